import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { rawRequest } from '../helpers/raw-http.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

let set: SyntheticShardSet;
let server: ShardServer;
let secured: ShardServer;
const TOKEN = 's3cret-token';

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'raw' });
  server = await createShardServer({ data: set.dir, port: 0, accessLog: false, maxBatchSize: 100 });
  secured = await createShardServer({ data: set.dir, port: 0, accessLog: false, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await secured?.close();
  await set?.cleanup();
});

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const res = await request(`${base}${path}`, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Record<string, string>, text, json: () => JSON.parse(text) as { error: { code: string; param?: string; message: string } } };
}

async function expectHealthy(base: string): Promise<void> {
  const h = await get(base, '/healthz');
  expect(h.status).toBe(200);
  expect(JSON.parse(h.text)).toEqual({ status: 'ok' });
}

describe('stream parameters: each bad value is a 400 naming the parameter', () => {
  const cases: [query: string, code: string, param: string, message: string][] = [
    ['', 'ERR_MISSING_PARAMETER', 'batch_size', 'Missing parameter batch_size: an integer from 1 to 100'],
    ['batch_size=0', 'ERR_INVALID_PARAMETER', 'batch_size', 'Expected an integer from 1 to 100 for batch_size but received "0" of type string'],
    ['batch_size=101', 'ERR_INVALID_PARAMETER', 'batch_size', 'Expected an integer from 1 to 100 for batch_size but received "101" of type string'],
    ['batch_size=abc', 'ERR_INVALID_PARAMETER', 'batch_size', 'Expected an integer from 1 to 100 for batch_size but received "abc" of type string'],
    ['batch_size=1.5', 'ERR_INVALID_PARAMETER', 'batch_size', 'Expected an integer from 1 to 100 for batch_size but received "1.5" of type string'],
    ['batch_size=-1', 'ERR_INVALID_PARAMETER', 'batch_size', 'Expected an integer from 1 to 100 for batch_size but received "-1" of type string'],
    ['batch_size=1e1', 'ERR_INVALID_PARAMETER', 'batch_size', 'Expected an integer from 1 to 100 for batch_size but received "1e1" of type string'],
    ['batch_size=', 'ERR_INVALID_PARAMETER', 'batch_size', 'Expected an integer from 1 to 100 for batch_size but received "" of type string'],
    ['batch_size=4&batch_size=5', 'ERR_INVALID_PARAMETER', 'batch_size', 'Expected a single value for batch_size but received ["4","5"] of type array'],
    ['batch_size=4&seed=4294967296', 'ERR_INVALID_PARAMETER', 'seed', 'Expected an integer from 0 to 4294967295 for seed but received "4294967296" of type string'],
    ['batch_size=4&epoch=x', 'ERR_INVALID_PARAMETER', 'epoch', 'Expected an integer from 0 to 4294967295 for epoch but received "x" of type string'],
    ['batch_size=4&world=0', 'ERR_INVALID_PARAMETER', 'world', 'Expected an integer from 1 to 65536 for world but received "0" of type string'],
    ['batch_size=4&world=2&rank=2', 'ERR_INVALID_PARAMETER', 'rank', 'Expected an integer from 0 to 1 for rank but received "2" of type string'],
    ['batch_size=4&rank=1', 'ERR_INVALID_PARAMETER', 'rank', 'Expected an integer from 0 to 0 for rank but received "1" of type string'],
    ['batch_size=4&start_batch=17', 'ERR_INVALID_PARAMETER', 'start_batch', 'Expected an integer from 0 to 16 (the batches per epoch) for start_batch but received "17" of type string'],
    ['batch_size=4&start_batch=-1', 'ERR_INVALID_PARAMETER', 'start_batch', 'Expected an integer from 0 to 9007199254740991 for start_batch but received "-1" of type string'],
    ['batch_size=4&drop_remainder=yes', 'ERR_INVALID_PARAMETER', 'drop_remainder', 'Expected true, false, 1 or 0 for drop_remainder but received "yes" of type string'],
    ['batch_size=4&format=png', 'ERR_INVALID_PARAMETER', 'format', 'Expected one of records, tensor for format but received "png" of type string'],
    ['batch_size=4&dataset=nope', 'ERR_INVALID_PARAMETER', 'dataset', 'Expected one of synth for dataset but received "nope" of type string'],
    ['batch_size=4&partitions=test', 'ERR_INVALID_PARAMETER', 'partitions', 'Expected a comma-separated list of train, val for partitions but received "test" of type string'],
    ['batch_size=4&partitions=', 'ERR_INVALID_PARAMETER', 'partitions', 'Expected a comma-separated list of train, val for partitions but received "" of type string'],
    ['batch_size=4&partitions=train,train', 'ERR_INVALID_PARAMETER', 'partitions', 'Expected a list without repeated partitions for partitions but received "train,train" of type string'],
    ['batch_size=4&partitions=train,', 'ERR_INVALID_PARAMETER', 'partitions', 'Expected a comma-separated list of train, val for partitions but received "train," of type string'],
    ['batch_size=4&shuffle=1', 'ERR_UNKNOWN_PARAMETER', 'shuffle', 'Unknown parameter "shuffle" (known: dataset, partitions, batch_size, seed, epoch, rank, world, start_batch, drop_remainder, format)'],
    ['batch_size=4&token=abc', 'ERR_UNKNOWN_PARAMETER', 'token', 'Unknown parameter "token" (known: dataset, partitions, batch_size, seed, epoch, rank, world, start_batch, drop_remainder, format)'],
  ];
  for (const [query, code, param, message] of cases) {
    it(`${query || '(no parameters)'} → ${code} ${param}`, async () => {
      const r = await get(server.url, `/v1/stream?${query}`);
      expect(r.status).toBe(400);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(r.json()).toEqual({ error: { code, param, message } });
    });
  }

  it('other routes refuse parameters they do not know', async () => {
    const r = await get(server.url, `/v1/shards/${set.manifest.partitions[0]!.shards[0]!.name}?foo=1`);
    expect(r.status).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'ERR_UNKNOWN_PARAMETER', param: 'foo', message: 'Unknown parameter "foo" (known: dataset)' });
    const m = await get(server.url, '/metrics?x=1');
    expect(m.json().error).toMatchObject({ code: 'ERR_UNKNOWN_PARAMETER', message: 'Unknown parameter "x" (this route takes no parameters)' });
  });

  it('the server is healthy after all of them', async () => {
    await expectHealthy(server.url);
  });
});

describe('only manifest-listed names are served', () => {
  const raw = (path: string) => rawRequest(server.url, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const shard = () => set.manifest.partitions[0]!.shards[0]!.name;
  const attempts = [
    '/v1/shards/..%2fmanifest.json',
    '/v1/shards/..%2F..%2Fetc%2Fpasswd',
    '/v1/shards/%2e%2e%2fmanifest.json',
    '/v1/shards/..',
    '/v1/shards/../../etc/passwd',
    '/v1/shards/%2Fetc%2Fpasswd',
    '/v1/shards//etc/passwd',
    '/v1/shards/manifest.json%00',
    '/v1/shards/%00',
    '/v1/shards/.%2e/.%2e/etc/passwd',
    '/v1/shards/..%5c..%5cetc%5cpasswd',
    '/v1/datasets/synth/..%2f..%2fetc%2fpasswd',
    '/v1/datasets/..%2f..%2f/passwd',
    '/v1/shards/%252e%252e%252fmanifest.json',
    '/v1/shards/synth-train-00000-of-00003.tfrecord.partial',
    '/v1/shards/.synth-train-00000-of-00003.tfrecord.index.partial',
    '/v1/shards/',
    '/v1/datasets/synth/',
    '/v1/',
    '/etc/passwd',
    'http://127.0.0.1/../etc/passwd',
  ];
  for (const path of attempts) {
    it(`${path} → 404 or 400, never a file outside the list`, async () => {
      const r = await raw(path);
      expect([400, 404]).toContain(r.status);
      expect(r.body.toString()).not.toMatch(/root:|"partitions"/);
      if (r.headers['content-type']?.startsWith('application/json')) expect(JSON.parse(r.body.toString()).error.code).toMatch(/^ERR_(NOT_FOUND|BAD_REQUEST)$/);
    });
  }

  it('/ is the UI page (docs/ui.md), not a listing', async () => {
    const r = await raw('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body.toString()).not.toMatch(/root:|"partitions"|\.tfrecord/);
  });

  it('a bad percent-encoding is a 400 in the error format', async () => {
    const r = await raw('/v1/shards/%zz');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body.toString()).error.code).toBe('ERR_BAD_REQUEST');
  });

  it('an absurdly long name is refused', async () => {
    const r = await raw(`/v1/shards/${'a'.repeat(2000)}`);
    expect([404, 414]).toContain(r.status);
  });

  it('listed names are served, and the error bodies carry no stack traces', async () => {
    const ok = await raw(`/v1/shards/${shard()}`);
    expect(ok.status).toBe(200);
    const nf = await raw('/v1/shards/nope.tfrecord');
    expect(nf.status).toBe(404);
    expect(nf.body.toString()).not.toMatch(/\s+at\s.+\(.*:\d+:\d+\)/);
    expect(JSON.parse(nf.body.toString()).error.message).toBe('No file "nope.tfrecord": only the shards, index files and manifest.json of a manifest are served');
    await expectHealthy(server.url);
  });
});

describe('bearer token', () => {
  it('401 with WWW-Authenticate without a token, with a wrong one, or another scheme', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }, { authorization: 'Bearer' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
      for (const path of ['/v1/manifest', '/v1/stream?batch_size=4', `/v1/shards/${set.manifest.partitions[0]!.shards[0]!.name}`, '/metrics', '/nope']) {
        const r = await get(secured.url, path, headers);
        expect(r.status).toBe(401);
        expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="shardstream"/);
        expect(r.json().error.code).toBe('ERR_UNAUTHORIZED');
        expect(r.text).not.toContain(TOKEN);
      }
    }
    const wrong = await get(secured.url, '/v1/manifest', { authorization: 'Bearer wrong' });
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="shardstream", error="invalid_token"');
  });

  it('the right token opens every route; /healthz needs none', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await get(secured.url, '/v1/manifest', auth)).status).toBe(200);
    expect((await get(secured.url, '/v1/stream?batch_size=4', { authorization: `bearer  ${TOKEN}` })).status).toBe(200);
    expect((await get(secured.url, '/metrics', auth)).status).toBe(200);
    await expectHealthy(secured.url);
  });
});

describe('limits', () => {
  // 2000 raw 64×64×3 records: a 25 MB stream, more than the socket buffers hold
  let big: SyntheticShardSet;
  beforeAll(async () => {
    big = await writeShardSet({ encoding: 'raw', height: 64, width: 64, partitions: [{ name: 'train', records: 2000, shards: 2 }] });
  });
  afterAll(async () => {
    await big?.cleanup();
  });

  it('the stream cap answers 503 with Retry-After, and frees slots as streams end', async () => {
    const capped = await createShardServer({ data: big.dir, port: 0, accessLog: false, maxStreams: 2, retryAfterSeconds: 7 });
    try {
      // two streams that the client does not read keep their slots
      const held = await Promise.all([0, 1].map(() => request(`${capped.url}/v1/stream?batch_size=1`)));
      const refused = await get(capped.url, '/v1/stream?batch_size=1');
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('7');
      expect(refused.json().error.code).toBe('ERR_TOO_MANY_STREAMS');
      expect(capped.metrics()).toMatch(/^shardstream_streams_rejected_total 1$/m);
      for (const h of held) h.body.destroy();
      for (let i = 0; i < 100 && capped.stats().activeStreams > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(capped.stats().activeStreams).toBe(0);
      expect((await get(capped.url, '/v1/stream?batch_size=100&start_batch=19')).status).toBe(200);
    } finally {
      await capped.close();
    }
  });

  it('a stream whose client reads nothing is cut after the stall timeout', async () => {
    const quick = await createShardServer({ data: big.dir, port: 0, accessLog: false, stallTimeoutMs: 500 });
    try {
      const res = await request(`${quick.url}/v1/stream?batch_size=64`);
      expect(res.statusCode).toBe(200);
      // read nothing; the server must give up on us
      for (let i = 0; i < 200 && quick.stats().activeStreams > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(quick.stats().activeStreams).toBe(0);
      expect(quick.metrics()).toMatch(/^shardstream_stream_errors_total\{reason="stalled"\} 1$/m);
      await expect(res.body.arrayBuffer()).rejects.toThrow();
    } finally {
      await quick.close();
    }
  });

  it('a connection that sends no complete request is closed by the request timeout', async () => {
    const quick = await createShardServer({ data: set.dir, port: 0, accessLog: false, requestTimeoutMs: 500 });
    try {
      const started = Date.now();
      const r = await rawRequest(quick.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 15_000);
      expect([0, 408]).toContain(r.status);
      expect(Date.now() - started).toBeLessThan(14_000);
    } finally {
      await quick.close();
    }
  });
});
