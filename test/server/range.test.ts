import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

let set: SyntheticShardSet;
let server: ShardServer;
let shard: string;
let file: Buffer;
let S: number;

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'raw', partitions: [{ name: 'train', records: 24, shards: 2 }] });
  server = await createShardServer({ data: set.dir, port: 0, accessLog: false, maxRanges: 8 });
  shard = set.manifest.partitions[0]!.shards[0]!.name;
  file = await readFile(set.shardPath(shard));
  S = file.length;
});

afterAll(async () => {
  await server?.close();
  await set?.cleanup();
});

async function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  const res = await request(`${server.url}${path}`, { method, headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body };
}

/** Parse a multipart/byteranges body into its parts. */
function parseMultipart(body: Buffer, contentType: string): { range: string; type: string; data: Buffer }[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)![1]!;
  const delim = Buffer.from(`--${boundary}`);
  const parts: { range: string; type: string; data: Buffer }[] = [];
  let pos = body.indexOf(delim);
  for (;;) {
    const after = pos + delim.length;
    if (body.subarray(after, after + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', after);
    const head = body.subarray(after + 2, headEnd).toString('latin1');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd);
    const h = Object.fromEntries(head.split('\r\n').map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    parts.push({ range: h['content-range']!, type: h['content-type']!, data: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
  return parts;
}

describe('GET /v1/shards/{name}: RFC 9110 range conformance, byte for byte', () => {
  it('sends the whole file with validators and Accept-Ranges', async () => {
    const r = await get(`/v1/shards/${shard}`);
    expect(r.status).toBe(200);
    expect(r.body.equals(file)).toBe(true);
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['content-length']).toBe(String(S));
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.headers.etag).toBe(`"${set.manifest.partitions[0]!.shards[0]!.sha256}"`);
    expect(new Date(r.headers['last-modified']!).getTime()).toBeGreaterThan(0);
  });

  const cases: { name: string; range: (s: number) => string; start: (s: number) => number; end: (s: number) => number }[] = [
    { name: 'first bytes', range: () => 'bytes=0-99', start: () => 0, end: () => 99 },
    { name: 'middle', range: () => 'bytes=100-1099', start: () => 100, end: () => 1099 },
    { name: 'open-ended', range: () => 'bytes=1000-', start: () => 1000, end: (s) => s - 1 },
    { name: 'suffix', range: () => 'bytes=-50', start: (s) => s - 50, end: (s) => s - 1 },
    { name: 'suffix longer than the file', range: () => 'bytes=-99999999', start: () => 0, end: (s) => s - 1 },
    { name: 'end past the file', range: (s) => `bytes=${s - 10}-${s + 1000}`, start: (s) => s - 10, end: (s) => s - 1 },
    { name: 'one byte', range: () => 'bytes=7-7', start: () => 7, end: () => 7 },
    { name: 'last byte', range: (s) => `bytes=${s - 1}-`, start: (s) => s - 1, end: (s) => s - 1 },
    { name: 'unit in capitals, spaces', range: () => 'Bytes= 10 - 19 ', start: () => 10, end: () => 19 },
    { name: 'overlapping ranges are merged', range: () => 'bytes=0-50,40-100', start: () => 0, end: () => 100 },
  ];
  for (const c of cases) {
    it(`206 single range: ${c.name}`, async () => {
      const r = await get(`/v1/shards/${shard}`, { range: c.range(S) });
      expect(r.status).toBe(206);
      const [start, end] = [c.start(S), c.end(S)];
      expect(r.headers['content-range']).toBe(`bytes ${start}-${end}/${S}`);
      expect(r.headers['content-length']).toBe(String(end - start + 1));
      expect(r.body.equals(file.subarray(start, end + 1))).toBe(true);
    });
  }

  it('206 multipart/byteranges for several ranges, in the order asked', async () => {
    const r = await get(`/v1/shards/${shard}`, { range: 'bytes=500-599,0-9,-5' });
    expect(r.status).toBe(206);
    expect(r.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/);
    expect(r.headers['content-length']).toBe(String(r.body.length));
    const parts = parseMultipart(r.body, r.headers['content-type']!);
    expect(parts.map((p) => p.range)).toEqual([`bytes 500-599/${S}`, `bytes 0-9/${S}`, `bytes ${S - 5}-${S - 1}/${S}`]);
    expect(parts.every((p) => p.type === 'application/octet-stream')).toBe(true);
    expect(parts[0]!.data.equals(file.subarray(500, 600))).toBe(true);
    expect(parts[1]!.data.equals(file.subarray(0, 10))).toBe(true);
    expect(parts[2]!.data.equals(file.subarray(S - 5))).toBe(true);
  });

  it('more ranges than the server allows: the whole file (the Range header is ignored)', async () => {
    const r = await get(`/v1/shards/${shard}`, { range: 'bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16' });
    expect(r.status).toBe(200);
    expect(r.body.equals(file)).toBe(true);
  });

  for (const range of [(s: number) => `bytes=${s}-`, (s: number) => `bytes=${s + 5}-${s + 10}`, () => 'bytes=-0', (s: number) => `bytes=${s}-${s},${s + 1}-`]) {
    it(`416 with Content-Range: bytes */len for ${range(0).replace(/\d+/g, 'N')}`, async () => {
      const r = await get(`/v1/shards/${shard}`, { range: range(S) });
      expect(r.status).toBe(416);
      expect(r.headers['content-range']).toBe(`bytes */${S}`);
      expect(JSON.parse(r.body.toString()).error.code).toBe('ERR_RANGE_NOT_SATISFIABLE');
    });
  }

  for (const range of ['bytes=abc', 'bytes=5-2', 'items=0-5', 'bytes=', 'bytes=--5', '0-5', 'bytes=1-2,x', 'bytes=-', 'bytes=0-1,,5-6']) {
    it(`malformed Range ${JSON.stringify(range)} is ignored: 200 with the whole file`, async () => {
      const r = await get(`/v1/shards/${shard}`, { range });
      expect(r.status).toBe(200);
      expect(r.body.equals(file)).toBe(true);
    });
  }

  it('If-Range with the current strong ETag applies the range; another or a weak one sends the whole file', async () => {
    const etag = (await get(`/v1/shards/${shard}`, {}, 'HEAD')).headers.etag!;
    const ok = await get(`/v1/shards/${shard}`, { range: 'bytes=0-9', 'if-range': etag });
    expect(ok.status).toBe(206);
    expect(ok.body.equals(file.subarray(0, 10))).toBe(true);
    for (const other of ['"0000"', `W/${etag}`]) {
      const full = await get(`/v1/shards/${shard}`, { range: 'bytes=0-9', 'if-range': other });
      expect(full.status).toBe(200);
      expect(full.body.equals(file)).toBe(true);
    }
  });

  it('If-Range with the Last-Modified date applies the range; another date sends the whole file', async () => {
    const lm = (await get(`/v1/shards/${shard}`, {}, 'HEAD')).headers['last-modified']!;
    const ok = await get(`/v1/shards/${shard}`, { range: 'bytes=-3', 'if-range': lm });
    expect(ok.status).toBe(206);
    expect(ok.body.equals(file.subarray(S - 3))).toBe(true);
    const older = new Date(new Date(lm).getTime() - 60_000).toUTCString();
    const full = await get(`/v1/shards/${shard}`, { range: 'bytes=-3', 'if-range': older });
    expect(full.status).toBe(200);
    expect(full.body.length).toBe(S);
  });

  it('HEAD gives the headers of the GET and no body; Range does not apply to HEAD', async () => {
    const r = await get(`/v1/shards/${shard}`, {}, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(S));
    expect(r.body.length).toBe(0);
    const ranged = await get(`/v1/shards/${shard}`, { range: 'bytes=0-9' }, 'HEAD');
    expect(ranged.status).toBe(200);
    expect(ranged.headers['content-length']).toBe(String(S));
    expect(ranged.body.length).toBe(0);
  });

  it('conditionals: If-None-Match → 304, If-Modified-Since → 304, If-Match mismatch → 412', async () => {
    const { etag, 'last-modified': lm } = (await get(`/v1/shards/${shard}`, {}, 'HEAD')).headers;
    const nm = await get(`/v1/shards/${shard}`, { 'if-none-match': `"x", ${etag}` });
    expect(nm.status).toBe(304);
    expect(nm.body.length).toBe(0);
    expect(nm.headers.etag).toBe(etag);
    expect((await get(`/v1/shards/${shard}`, { 'if-modified-since': lm! })).status).toBe(304);
    expect((await get(`/v1/shards/${shard}`, { 'if-none-match': '"other"' })).status).toBe(200);
    const pf = await get(`/v1/shards/${shard}`, { 'if-match': '"other"' });
    expect(pf.status).toBe(412);
    expect(JSON.parse(pf.body.toString()).error.code).toBe('ERR_PRECONDITION_FAILED');
    expect((await get(`/v1/shards/${shard}`, { 'if-match': etag!, range: 'bytes=0-0' })).status).toBe(206);
  });

  it('serves index files and manifest.json, and the same bytes under /v1/datasets/{dataset}/', async () => {
    const idx = await get(`/v1/shards/${shard}.index`, { range: 'bytes=0-' });
    expect(idx.status).toBe(206);
    expect(idx.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(idx.body.equals(await readFile(set.shardPath(`${shard}.index`)))).toBe(true);
    expect(idx.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    const manifest = await get('/v1/shards/manifest.json');
    expect(manifest.body.equals(await readFile(set.shardPath('manifest.json')))).toBe(true);
    const viaDataset = await get(`/v1/datasets/synth/${shard}`, { range: 'bytes=10-20' });
    expect(viaDataset.status).toBe(206);
    expect(viaDataset.body.equals(file.subarray(10, 21))).toBe(true);
  });

  it('GET /v1/manifest gives the manifest with its sha256', async () => {
    const r = await get('/v1/manifest');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-shardstream-manifest-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(r.headers.etag).toBe(`"${r.headers['x-shardstream-manifest-sha256']}"`);
    expect(JSON.parse(r.body.toString()).dataset).toBe('synth');
  });

  it('a larger file in several chunks comes back whole under ranges that cross chunk borders', async () => {
    const big = set.manifest.partitions[0]!.shards[1]!.name;
    const bytes = await readFile(set.shardPath(big));
    const r = await get(`/v1/shards/${big}`, { range: `bytes=1-${bytes.length - 2}` });
    expect(r.status).toBe(206);
    expect(r.body.equals(bytes.subarray(1, bytes.length - 1))).toBe(true);
  });
});
