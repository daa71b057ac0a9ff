// Stream mode against the real shard-server (src/server), in-process or as the bin in a child
// process that the test kills and restarts.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { batches, openBatchStream, type Batch, type RetryInfo } from '../../src/client/index.js';
import { createShardServer, type ShardServer, type ShardServerOptions } from '../../src/server/index.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { collect, plain } from './helpers/compare.js';
import { expectedBatches } from './helpers/expected.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

let root: string;
let set: SyntheticShardSet;
let nginx: Nginx;
const servers: ShardServer[] = [];
const fast = { retries: 6, minDelay: 5, maxDelay: 50 };

async function serve(options: Partial<ShardServerOptions> = {}): Promise<ShardServer> {
  const s = await createShardServer({ data: set.dir, host: '127.0.0.1', port: 0, accessLog: false, log: () => undefined, ...options });
  servers.push(s);
  return s;
}

async function subdir(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'client-server-'));
  set = await writeShardSet({ dir: await subdir('set') }); // train 48 + val 16, 8×8×3 PNG
  nginx = await startNginx({ root, accessLog: true });
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  vi.unstubAllEnvs();
});

afterAll(async () => {
  await nginx?.close();
  await rm(root, { recursive: true, force: true });
});

describe('stream mode against shard-server', () => {
  it.each(['tensor', 'records'] as const)('yields the batches of the shuffle definition (format=%s)', async (format) => {
    const server = await serve();
    const plan = { batchSize: 5, seed: 17, world: 2, rank: 1, dropRemainder: false, partitions: ['val', 'train'] } as const;
    const stream = await openBatchStream({ source: server.url, ...plan, format, startEpoch: 2, epochs: 2 });
    expect({ mode: stream.mode, records: stream.records, batchesPerEpoch: stream.batchesPerEpoch }).toEqual({ mode: 'stream', records: 64, batchesPerEpoch: 7 });
    expect(await collect(stream)).toEqual(expectedBatches(set, plan, [2, 3]));
  });

  it('gives exactly the batches of direct mode over nginx and over the server\'s own file routes', async () => {
    const server = await serve();
    const plan = { batchSize: 6, seed: 5, world: 3, rank: 2, dropRemainder: false, epochs: 2, startEpoch: 7, startBatch: 1 } as const;
    const streamed = await collect(batches({ source: server.url, ...plan, format: 'tensor' }));
    const viaNginx = await openBatchStream({ source: `${nginx.url}/set/`, ...plan });
    expect(viaNginx.mode).toBe('direct');
    expect(await collect(viaNginx)).toEqual(streamed);
    expect(await collect(batches({ source: `${server.url}/v1/datasets/synth/`, ...plan }))).toEqual(streamed);
    expect(await collect(batches({ source: server.url, ...plan, format: 'records' }))).toEqual(streamed);
  });

  it('sends the token, and stops at a 401 with a clear message', async () => {
    vi.stubEnv('SHARDSTREAM_TOKEN', '');
    const server = await serve({ token: 'tok' });
    await expect(collect(batches({ source: server.url, batchSize: 8, retry: fast }))).rejects.toThrow(
      /^http:\/\/127\.0\.0\.1:\d+\/v1\/manifest: HTTP 401 Unauthorized: This server needs an Authorization: Bearer <token> header \(a token is needed: the token option, --token or SHARDSTREAM_TOKEN\)$/,
    );
    await expect(collect(batches({ source: server.url, batchSize: 8, token: 'nope', retry: fast }))).rejects.toThrow(/HTTP 401 Unauthorized: The bearer token is not valid \(the token was refused\)$/);
    vi.stubEnv('SHARDSTREAM_TOKEN', 'tok');
    expect(await collect(batches({ source: server.url, batchSize: 8 }))).toHaveLength(8);
  });

  it('stops at a 400 that names the parameter', async () => {
    const server = await serve({ maxBatchSize: 4 });
    const error = await collect(batches({ source: server.url, batchSize: 8, retry: fast })).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, param: 'batch_size', serverCode: 'ERR_INVALID_PARAMETER' });
    expect((error as Error).message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/stream\?.*: HTTP 400 Bad Request: Expected an integer from 1 to 4 for batch_size but received "8" of type string$/);
  });

  it('stops at once when the server reports a corrupt record (500 ERR_BAD_DATA)', async () => {
    const bad = await writeShardSet({ dir: await subdir('bad'), partitions: [{ name: 'train', records: 8, shards: 1 }] });
    await bad.corruptRecord(5);
    const server = await serve({ data: bad.dir });
    const retries: RetryInfo[] = [];
    const error = await collect(batches({ source: server.url, batchSize: 8, retry: { ...fast, onRetry: (i) => retries.push(i) } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500, serverCode: 'ERR_BAD_DATA' });
    expect((error as Error).message).toMatch(/\/v1\/stream\?.*: HTTP 500 Internal Server Error: .*synth-train-00000-of-00001\.tfrecord @ byte \d+: record 5: data CRC mismatch$/);
    expect(retries).toEqual([]);
  });

  it('asks for the dataset when the server has several', async () => {
    const data = await subdir('two');
    await writeShardSet({ dir: await subdir('two/a'), dataset: 'alpha', partitions: [{ name: 'train', records: 10, shards: 1 }] });
    await writeShardSet({ dir: await subdir('two/b'), dataset: 'beta', partitions: [{ name: 'train', records: 12, shards: 1 }] });
    const server = await serve({ data });
    await expect(collect(batches({ source: server.url, batchSize: 2 }))).rejects.toThrow(/\/v1\/manifest: HTTP 400 Bad Request: Missing parameter dataset: one of alpha, beta \(the server has several\)$/);
    expect(await collect(batches({ source: server.url, dataset: 'beta', batchSize: 2 }))).toHaveLength(6);
  });

  it('waits out a 503 Retry-After when the server is at its stream limit', async () => {
    // The slot is held by a stream that reads nothing and whose body (12 MB) cannot fit in the
    // socket buffers, so the server cannot finish it early: the 503 does not depend on timing.
    const big = await writeShardSet({ dir: await subdir('big'), encoding: 'raw', height: 64, width: 64, partitions: [{ name: 'train', records: 1000, shards: 1 }] });
    const server = await serve({ data: big.dir, maxStreams: 1, retryAfterSeconds: 1 });
    const holder = await new Promise<ClientRequest>((resolve, reject) => {
      const req = httpGet(`${server.url}/v1/stream?partitions=train&batch_size=1000&format=records`, (res) => {
        res.pause();
        if (res.statusCode === 200) resolve(req);
        else reject(new Error(`holder: HTTP ${res.statusCode}`));
      });
      req.on('error', reject);
    });
    const retries: RetryInfo[] = [];
    const second = collect(batches({ source: server.url, batchSize: 8, dropRemainder: true, retry: { ...fast, onRetry: (i) => retries.push(i) } }));
    await new Promise((r) => setTimeout(r, 300));
    holder.destroy();
    expect(await second).toHaveLength(125);
    expect(retries.map((r) => [r.delay, (r.error as { status?: number }).status])).toEqual([[1000, 503]]);
  });

  it.each(['tensor', 'records'] as const)('resumes across a server restart mid-epoch (format=%s)', async (format) => {
    const first = await serve();
    const plan = { batchSize: 4, seed: 3, dropRemainder: false } as const;
    const it = batches({ source: first.url, ...plan, format, prefetch: 2, retry: { retries: 20, minDelay: 10, maxDelay: 100 } })[Symbol.asyncIterator]();
    const got: Batch[] = [];
    for (let i = 0; i < 3; i++) got.push((await it.next()).value as Batch);
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    await new Promise((r) => setTimeout(r, 100));
    await serve({ port: first.port });
    for (let r = await it.next(); !r.done; r = await it.next()) got.push(r.value);
    expect(got.map(plain)).toEqual(expectedBatches(set, plan, [0]));
  });

  it('stops when the restarted server holds another shard set', async () => {
    const first = await serve();
    const it = batches({ source: first.url, batchSize: 4, seed: 1, format: 'tensor', prefetch: 1, retry: { retries: 20, minDelay: 10, maxDelay: 100 } })[Symbol.asyncIterator]();
    await it.next();
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    // The same dataset name and sizes, other pixels: only the manifest's sha256 tells them apart.
    const other = await writeShardSet({ dir: await subdir('other'), pixels: (id, h, w, c) => new Uint8Array(h * w * c).fill(id) });
    await serve({ port: first.port, data: other.dir });
    const error = await (async () => {
      for (let r = await it.next(); !r.done; r = await it.next());
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_MANIFEST_CHANGED' });
    expect((error as Error).message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/stream\?.*: the server's manifest changed \(x-shardstream-manifest-sha256 [0-9a-f]{64}, now [0-9a-f]{64}\); the batches of this run would no longer follow one order, so the stream stops$/);
  });
});

describe('stream mode: the server process is killed and restarted mid-epoch', () => {
  let big: SyntheticShardSet;
  let proc: ServerProcess | undefined;

  beforeAll(async () => {
    // 1280 raw 64×64×3 records (15.7 MB an epoch): far more than the socket buffers hold, so
    // the kill cuts the stream with most of the epoch unsent.
    big = await writeShardSet({ dir: await subdir('big'), encoding: 'raw', height: 64, width: 64, partitions: [{ name: 'train', records: 1280, shards: 4 }] });
  });

  afterAll(async () => {
    await proc?.stop();
  });

  it('delivers every record id of the epoch exactly once, in the shuffle order', async () => {
    proc = await startServerProcess(['--data', big.dir]);
    const port = proc.port;
    const retries: RetryInfo[] = [];
    const plan = { batchSize: 32, seed: 99 } as const;
    const stream = await openBatchStream({ source: proc.url, ...plan, format: 'tensor', prefetch: 3, retry: { retries: 40, minDelay: 50, maxDelay: 250, onRetry: (i) => retries.push(i) } });
    const got: Batch[] = [];
    let restarted: Promise<void> | undefined;
    for await (const b of stream) {
      got.push(b);
      if (got.length === 5) {
        await proc.stop('SIGKILL');
        restarted = (async () => {
          await new Promise((r) => setTimeout(r, 200));
          proc = await startServerProcess(['--data', big.dir, '--port', String(port)]);
        })();
      }
      await new Promise((r) => setTimeout(r, 5)); // a trainer step
    }
    await restarted;
    const ids = got.flatMap((b) => b.ids);
    expect(ids).toHaveLength(1280);
    expect(new Set(ids).size).toBe(1280);
    expect(got.map((b) => b.batchIndex)).toEqual(Array.from({ length: 40 }, (_, k) => k));
    expect(got.map(plain)).toEqual(expectedBatches(big, plan, [0]));
    expect(retries.length).toBeGreaterThan(0);
    // The restarted server was asked to resume inside the epoch, not from its start. (Its access
    // line is written when the response closes and comes through a pipe: wait for it.)
    const startBatches = (): number[] => proc!.stdout().split('\n').map((l) => /start_batch=(\d+)/.exec(l)?.[1]).filter((v) => v !== undefined).map(Number);
    for (const t0 = Date.now(); startBatches().length === 0 && Date.now() - t0 < 5000; ) await new Promise((r) => setTimeout(r, 20));
    const resumed = startBatches();
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).toBeGreaterThanOrEqual(5);
    expect(resumed[0]).toBeLessThan(40);
  });
});
