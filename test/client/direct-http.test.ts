import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batches, openBatchStream } from '../../src/client/index.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { collect } from './helpers/compare.js';
import { expectedBatches } from './helpers/expected.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';

let root: string;
let set: SyntheticShardSet;
let nginx: Nginx;

async function mkdirIn(parent: string, name: string): Promise<string> {
  await mkdir(join(parent, name));
  return join(parent, name);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'client-http-'));
  set = await writeShardSet({ dir: await mkdirIn(root, 'set') });
  nginx = await startNginx({ root, accessLog: true });
});

afterAll(async () => {
  await nginx?.close();
  await rm(root, { recursive: true, force: true });
});

describe('direct mode over HTTP (nginx)', () => {
  it('yields the same batches as the local directory, and as the shuffle definition', async () => {
    const options = { batchSize: 6, seed: 21, epochs: 2, partitions: ['train', 'val'], dropRemainder: false } as const;
    const overHttp = await collect(batches({ source: `${nginx.url}/set/`, ...options }));
    const local = await collect(batches({ source: set.dir, ...options }));
    expect(overHttp).toEqual(local);
    expect(overHttp).toEqual(expectedBatches(set, options, [0, 1]));
  });

  it('finds the shard set without a trailing slash and says it reads directly', async () => {
    const stream = await openBatchStream({ source: `${nginx.url}/set`, batchSize: 8 });
    expect({ mode: stream.mode, location: stream.location, records: stream.records }).toEqual({ mode: 'direct', location: `${nginx.url}/set/`, records: 64 });
    await stream.close();
  });

  it('coalesces adjacent records into one Range request per run', async () => {
    const before = (await nginx.accessLog()).length;
    // One batch of the whole set: every shard is one run of adjacent records.
    const got = await collect(batches({ source: `${nginx.url}/set/`, mode: 'direct', batchSize: 64, seed: 1 }));
    expect(got).toHaveLength(1);
    const lines = (await nginx.accessLog()).slice(before);
    const ranged = lines.filter((l) => /\.tfrecord HTTP/.test(l));
    const shards = set.manifest.partitions.flatMap((p) => p.shards);
    expect(ranged).toHaveLength(shards.length);
    for (const line of ranged) expect(line).toMatch(/"bytes=0-\d+" 206 \d+$/);
    expect(lines.filter((l) => /\.tfrecord\.index HTTP/.test(l))).toHaveLength(shards.length);
  });

  it('stops with a clear error when a shard changes while it is read (ETag)', async () => {
    const stream = await openBatchStream({ source: `${nginx.url}/set/`, batchSize: 15, seed: 4, epochs: 3, prefetch: 1 });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const later = new Date(Date.now() + 5000);
    for (const s of set.manifest.partitions.flatMap((p) => p.shards)) await utimes(set.shardPath(s.name), later, later);
    const error = await (async () => {
      for (;;) if ((await it.next()).done) return undefined;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_MANIFEST_CHANGED' });
    expect((error as Error).message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/set\/synth-train-\d+-of-\d+\.tfrecord: changed while being read \(ETag "[^"]+", now "[^"]+"\)$/);
  });

  it('says when a URL holds neither a shard-server nor a shard set', async () => {
    await expect(collect(batches({ source: `${nginx.url}/nothing/`, batchSize: 2 }))).rejects.toThrow(
      /^http:\/\/127\.0\.0\.1:\d+\/nothing\/: is neither a shard-server \(v1\/manifest: HTTP 404\) nor a shard set \(manifest\.json: HTTP 404\)$/,
    );
  });

  it('reports a missing manifest or index file with its URL', async () => {
    const missing = `${nginx.url}/set/missing/`;
    await expect(collect(batches({ source: missing, mode: 'direct', batchSize: 2 }))).rejects.toThrow(`${missing}manifest.json: HTTP 404 Not Found`);
    const dir = await mkdirIn(root, 'noindex');
    const bad = await writeShardSet({ dir, partitions: [{ name: 'train', records: 6, shards: 1 }] });
    const shard = bad.manifest.partitions[0]!.shards[0]!.name;
    await rm(join(dir, `${shard}.index`));
    await expect(collect(batches({ source: `${nginx.url}/noindex/`, batchSize: 2 }))).rejects.toThrow(`${nginx.url}/noindex/${shard}.index: HTTP 404 Not Found`);
  });
});

describe('direct mode over HTTP: a server without Range support', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Answers every GET with the whole file and 200, as a naive static server would; `/slow/…`
    // sends the headers, a first chunk and then nothing more.
    server = createServer((req, res) => {
      const pathname = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      if (pathname.startsWith('/slow/') && pathname.endsWith('.tfrecord')) {
        res.writeHead(200, { 'content-length': 1 << 30 });
        res.write(Buffer.alloc(1 << 16));
        return;
      }
      const path = join(set.dir, pathname.replace(/^\/+(slow\/)?/, ''));
      stat(path).then(
        (s) => {
          res.writeHead(200, { 'content-length': s.size });
          createReadStream(path).pipe(res);
        },
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('drops an unwanted body at once, without a stray error', async () => {
    const t0 = Date.now();
    await expect(collect(batches({ source: `${url}slow/`, batchSize: 4 }))).rejects.toThrow(/: answered 200 with the whole file to a request for bytes/);
    expect(Date.now() - t0).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 50)); // a stray 'error' event would surface here as an uncaught exception
  });

  it('rejects it clearly instead of downloading whole shards', async () => {
    await expect(collect(batches({ source: url, batchSize: 4 }))).rejects.toThrow(
      /^http:\/\/127\.0\.0\.1:\d+\/synth-train-\d+-of-\d+\.tfrecord: answered 200 with the whole file to a request for bytes \d+-\d+: the server ignores Range requests, which reading a shard set over HTTP needs/,
    );
  });
});
