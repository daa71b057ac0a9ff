// Stream mode against a stand-in server that breaks requests on purpose (helpers/fake-server.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { batches, openBatchStream, type RetryInfo } from '../../src/client/index.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { collect } from './helpers/compare.js';
import { expectedBatches } from './helpers/expected.js';
import { startFakeServer, type FakeServer, type FakeServerOptions } from './helpers/fake-server.js';

let set: SyntheticShardSet;
let server: FakeServer | undefined;
const fast = { retries: 4, minDelay: 1, maxDelay: 10 };
const plan = { batchSize: 6, seed: 13 } as const;

beforeAll(async () => {
  set = await writeShardSet({ partitions: [{ name: 'train', records: 40, shards: 3 }, { name: 'val', records: 8, shards: 1 }] });
});

afterAll(async () => {
  await set?.cleanup();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.unstubAllEnvs();
});

async function serve(options: FakeServerOptions = {}): Promise<FakeServer> {
  server = await startFakeServer(set, options);
  return server;
}

const streams = (s: FakeServer): URLSearchParams[] => s.requests.filter((r) => r.path === '/v1/stream').map((r) => r.query);

describe('stream mode', () => {
  it.each(['tensor', 'records'] as const)('yields the batches of the shuffle definition (format=%s)', async (format) => {
    const s = await serve();
    const stream = await openBatchStream({ source: s.url, ...plan, format, epochs: 2 });
    expect({ mode: stream.mode, records: stream.records, batchesPerEpoch: stream.batchesPerEpoch }).toEqual({ mode: 'stream', records: 48, batchesPerEpoch: 8 });
    expect(await collect(stream)).toEqual(expectedBatches(set, plan, [0, 1]));
    expect(streams(s).map((q) => [q.get('epoch'), q.get('start_batch'), q.get('format'), q.get('partitions'), q.get('dataset')])).toEqual([
      ['0', '0', format, 'train,val', 'synth'],
      ['1', '0', format, 'train,val', 'synth'],
    ]);
  });

  it('takes its parameters from a /v1/stream URL', async () => {
    const s = await serve();
    const got = await collect(batches({ source: `${s.url}v1/stream?partitions=val,train&batch_size=5&seed=3&epoch=2&start_batch=4&drop_remainder=false&format=records` }));
    expect(got).toEqual(expectedBatches(set, { batchSize: 5, seed: 3, partitions: ['val', 'train'], dropRemainder: false }, [2], 4));
  });

  it('sends the token from SHARDSTREAM_TOKEN as a bearer token', async () => {
    vi.stubEnv('SHARDSTREAM_TOKEN', 's3cret');
    const s = await serve({ token: 's3cret' });
    expect(await collect(batches({ source: s.url, ...plan }))).toHaveLength(8);
    expect(s.requests.every((r) => r.headers.authorization === 'Bearer s3cret')).toBe(true);
  });
});

describe('stream mode: ending early', () => {
  it('close() ends an iteration that waits for a stalled stream, without an error', async () => {
    const s = await serve({ fault: (r) => (r.path === '/v1/stream' ? { kind: 'stall', batches: 2 } : undefined) });
    const stream = await openBatchStream({ source: s.url, ...plan, bodyTimeout: 30_000 });
    const got: number[] = [];
    setTimeout(() => void stream.close(), 200);
    for await (const b of stream) got.push(b.batchIndex);
    expect(got).toEqual([0, 1]);
  });

  it('the caller\'s signal ends the iteration with its reason', async () => {
    const s = await serve({ fault: (r) => (r.path === '/v1/stream' ? { kind: 'stall', batches: 2 } : undefined) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop: the run was cancelled')), 200);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const b of batches({ source: s.url, ...plan, signal: controller.signal })) got.push(b.batchIndex);
      })(),
    ).rejects.toThrow('stop: the run was cancelled');
    expect(got).toEqual([0, 1]);
  });
});

describe('stream mode: faults that retrying fixes', () => {
  it.each(['tensor', 'records'] as const)('resumes after a dropped connection at the next undelivered batch (format=%s)', async (format) => {
    const s = await serve({ fault: (r) => (r.path === '/v1/stream' && r.query.get('start_batch') === '0' ? { kind: 'drop', batches: 3 } : undefined) });
    const retries: RetryInfo[] = [];
    const got = await collect(batches({ source: s.url, ...plan, format, retry: { ...fast, onRetry: (i) => retries.push(i) } }));
    expect(got).toEqual(expectedBatches(set, plan, [0]));
    expect(streams(s).map((q) => q.get('start_batch'))).toEqual(['0', '3']);
    expect(retries).toHaveLength(1);
  });

  it('resumes when the stream ends early without an error', async () => {
    const s = await serve({ fault: (r) => (r.path === '/v1/stream' && r.n < 4 ? { kind: 'end', batches: 2 } : undefined) });
    const got = await collect(batches({ source: s.url, ...plan, retry: fast }));
    expect(got).toEqual(expectedBatches(set, plan, [0]));
    expect(streams(s).map((q) => q.get('start_batch'))).toEqual(['0', '2', '4', '6']);
  });

  it('waits as long as a 503 Retry-After asks', async () => {
    const s = await serve({ fault: (r) => (r.n === 1 ? { kind: 'status', status: 503, headers: { 'retry-after': '1' } } : undefined) });
    const t0 = Date.now();
    const retries: RetryInfo[] = [];
    expect(await collect(batches({ source: s.url, ...plan, retry: { ...fast, onRetry: (i) => retries.push(i) } }))).toHaveLength(8);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(retries.map((i) => i.delay)).toEqual([1000]);
  });

  it('retries a 500 and a refused connection to the manifest', async () => {
    const s = await serve({ fault: (r) => (r.n < 2 ? { kind: 'status', status: 500 } : undefined) });
    expect(await collect(batches({ source: s.url, ...plan, retry: fast }))).toHaveLength(8);
    expect(s.requests.slice(0, 3).map((r) => r.path)).toEqual(['/v1/manifest', '/v1/manifest', '/v1/manifest']);
  });

  it('gives up after the retry budget, with the last error as the reason', async () => {
    const s = await serve({ fault: (r) => (r.path === '/v1/stream' ? { kind: 'status', status: 503 } : undefined) });
    const error = await collect(batches({ source: s.url, ...plan, retry: { ...fast, retries: 2 } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_RETRIES_EXHAUSTED', status: 503, attempts: 3 });
    expect((error as Error).message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/stream: gave up after 3 attempts in \d+\.\d s: http:\/\/127\.0\.0\.1:\d+\/v1\/stream\?.*start_batch=0.*: HTTP 503 Service Unavailable: fault 503$/);
  });
});

describe('stream mode: faults that stop the stream', () => {
  it('stops at a 401 and says a token is needed', async () => {
    vi.stubEnv('SHARDSTREAM_TOKEN', '');
    const s = await serve({ token: 'right' });
    await expect(collect(batches({ source: s.url, ...plan, mode: 'stream', retry: fast }))).rejects.toThrow(
      /^http:\/\/127\.0\.0\.1:\d+\/v1\/manifest: HTTP 401 Unauthorized: a valid bearer token is required \(a token is needed: the token option, --token or SHARDSTREAM_TOKEN\)$/,
    );
    expect(s.requests).toHaveLength(1);
    await expect(collect(batches({ source: s.url, ...plan, token: 'wrong' }))).rejects.toThrow(/HTTP 401 Unauthorized: a valid bearer token is required \(the token was refused\)$/);
  });

  it('stops at a 400 and names the parameter', async () => {
    const s = await serve({
      fault: (r) => (r.path === '/v1/stream' ? { kind: 'status', status: 400, body: JSON.stringify({ error: { code: 'ERR_INVALID_PARAMETER', param: 'batch_size', message: 'Expected an integer from 1 to 4 for batch_size but received "6" of type string' } }) } : undefined),
    });
    const error = await collect(batches({ source: s.url, ...plan, retry: fast })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_HTTP', status: 400, param: 'batch_size', serverCode: 'ERR_INVALID_PARAMETER' });
    expect((error as Error).message).toMatch(/\/v1\/stream\?.*: HTTP 400 Bad Request: Expected an integer from 1 to 4 for batch_size but received "6" of type string$/);
    expect(streams(s)).toHaveLength(1);
  });

  it('stops when the manifest fingerprint changes between connections', async () => {
    const s = await serve({
      fingerprint: (n) => (n < 2 ? 'aaaa' : 'bbbb'),
      fault: (r) => (r.n === 1 ? { kind: 'drop', batches: 2 } : undefined),
    });
    const got: number[] = [];
    const error = await (async () => {
      for await (const b of batches({ source: s.url, ...plan, retry: fast })) got.push(b.batchIndex);
    })().catch((e: unknown) => e);
    expect(got).toEqual([0, 1]);
    expect(error).toMatchObject({ code: 'ERR_MANIFEST_CHANGED' });
    expect((error as Error).message).toMatch(/start_batch=2.*: the server's manifest changed \(x-shardstream-manifest-sha256 aaaa, now bbbb\); the batches of this run would no longer follow one order, so the stream stops$/);
  });

  it('stops when the server sends a batch out of order', async () => {
    const s = await serve({ fault: (r) => (r.path === '/v1/stream' ? { kind: 'skip' } : undefined) });
    await expect(collect(batches({ source: s.url, ...plan, format: 'tensor', retry: fast }))).rejects.toThrow(/: expected batch 1 of epoch 0 but the server sent batch 2 of epoch 0$/);
  });

  it('stops when the stream counts other records or batches than the manifest gives', async () => {
    let s = await serve({ streamHeaders: { 'x-shardstream-records': '47' } });
    await expect(collect(batches({ source: s.url, ...plan, retry: fast }))).rejects.toThrow(/\/v1\/stream\?.*: the server streams 47 records but the manifest read at the start lists 48$/);
    await s.close();
    s = await serve({ streamHeaders: { 'x-shardstream-batches': '9' } });
    const error = await collect(batches({ source: s.url, ...plan, retry: fast })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_PROTOCOL' });
    expect((error as Error).message).toMatch(/: the server plans 9 batches per epoch but the shuffle definition gives 8$/);
  });

  it('stops at a CRC mismatch on the wire and names the byte', async () => {
    const bad = await writeShardSet({ partitions: [{ name: 'train', records: 12, shards: 1 }] });
    try {
      await bad.corruptRecord(3);
      server = await startFakeServer(bad);
      await expect(collect(batches({ source: server.url, batchSize: 12, format: 'records', retry: fast }))).rejects.toThrow(/\/v1\/stream\?.* @ byte \d+: record \d+: data CRC mismatch$/);
    } finally {
      await bad.cleanup();
    }
  });
});
