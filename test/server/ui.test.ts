import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleOffsets } from '../../src/server/routes/ui.js';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { loadUiPage } from '../../src/server/ui/page.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

let set: SyntheticShardSet;
let server: ShardServer;
const lines: string[] = [];
const auth = { authorization: 'Bearer tok' };

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'png' });
  // The synthetic set skips nothing; give it two skipped inputs as a converter would.
  const path = join(set.dir, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  manifest['skipped'] = [
    { input: '000010.jpg', partition: 'train', reason: 'undecodable image: truncated JPEG' },
    { input: '<b>000012.jpg</b>', reason: 'missing image file: Img/000012.jpg' },
  ];
  await writeFile(path, JSON.stringify(manifest));
  server = await createShardServer({ data: set.dir, port: 0, token: 'tok', accessLog: (l) => lines.push(l) });
});

afterAll(async () => {
  await server?.close();
  await set?.cleanup();
});

async function get(path: string, headers: Record<string, string> = auth) {
  const res = await request(`${server.url}${path}`, { headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body, json: () => JSON.parse(body.toString('utf8')) };
}

describe('GET / (the page)', () => {
  it('needs the token like every route: the Authorization header, or ?token= on / only', async () => {
    expect((await get('/', {})).status).toBe(401);
    expect((await get('/?token=wrong', {})).status).toBe(401);
    expect((await get('/', auth)).status).toBe(200);
    const page = await get('/?token=tok', {});
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    // The API itself never takes the token from the query.
    const api = await get('/v1/ui/datasets?token=tok', {});
    expect(api.status).toBe(401);
    expect(api.json().error.code).toBe('ERR_UNAUTHORIZED');
    expect((await get('/v1/stream?batch_size=1&token=tok', {})).status).toBe(401);
  });

  it('never logs the token of the page URL', async () => {
    lines.length = 0;
    await get('/?token=tok', {});
    for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(lines[0]).toContain('"GET /?token=REDACTED" 200');
    expect(lines.join('\n')).not.toContain('token=tok');
  });

  it('is one self-contained HTML response with a strict CSP, no referrer and no caching', async () => {
    const page = await get('/');
    const html = page.body.toString('utf8');
    expect(html).toContain('<style>');
    expect(html).toContain('<script>');
    expect(html).not.toMatch(/<script src|<link rel="stylesheet"/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+'; img-src blob:; connect-src 'self'/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('takes no other query parameter', async () => {
    const res = await get('/?x=1');
    expect(res.status).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'ERR_UNKNOWN_PARAMETER', param: 'x' });
  });

  it('fails at start, naming the file, when the page files are incomplete', async () => {
    const dir = join(set.dir, 'bad-ui');
    await import('node:fs/promises').then((fs) => fs.mkdir(dir));
    await writeFile(join(dir, 'index.html'), '<html></html>');
    await writeFile(join(dir, 'app.css'), '');
    await writeFile(join(dir, 'app.js'), '');
    expect(() => loadUiPage(dir)).toThrow(`${join(dir, 'index.html')}: expected <link rel="stylesheet" href="app.css"> exactly once`);
  });
});

describe('GET /v1/ui/datasets', () => {
  it('lists partitions with shards, sizes, image and skipped inputs', async () => {
    const res = await get('/v1/ui/datasets');
    expect(res.status).toBe(200);
    const [ds] = res.json().datasets;
    expect(ds).toMatchObject({ name: 'synth', records: 64, image: { height: 8, width: 8, channels: 3, encoding: 'png' }, skipped_total: 2 });
    expect(ds.partitions.map((p: { name: string; records: number; shards: unknown[] }) => [p.name, p.records, p.shards.length])).toEqual([
      ['train', 48, 3],
      ['val', 16, 2],
    ]);
    const shards = set.manifest.partitions.flatMap((p) => p.shards);
    expect(ds.bytes).toBe(shards.reduce((n, s) => n + s.bytes, 0));
    expect(ds.partitions[0].shards[0]).toEqual({ name: shards[0]!.name, records: shards[0]!.records, bytes: shards[0]!.bytes });
    expect(ds.skipped).toEqual([
      { input: '000010.jpg', partition: 'train', reason: 'undecodable image: truncated JPEG' },
      { input: '<b>000012.jpg</b>', partition: null, reason: 'missing image file: Img/000012.jpg' },
    ]);
    expect(ds.skipped_by_reason).toEqual([
      { reason: 'undecodable image', count: 1 },
      { reason: 'missing image file', count: 1 },
    ]);
  });
});

describe('GET /v1/ui/sample', () => {
  it('draws distinct records of the partition, the same for the same seed', async () => {
    const a = (await get('/v1/ui/sample?partition=val&count=10&seed=5')).json();
    const b = (await get('/v1/ui/sample?partition=val&count=10&seed=5')).json();
    const c = (await get('/v1/ui/sample?partition=val&count=10&seed=6')).json();
    expect(a).toEqual(b);
    expect(a.items.map((i: { id: number }) => i.id)).not.toEqual(c.items.map((i: { id: number }) => i.id));
    const ids: number[] = a.items.map((i: { id: number }) => i.id);
    expect(new Set(ids).size).toBe(10);
    for (const id of ids) expect(id >= 48 && id < 64).toBe(true);
    expect(a.items[0]).toMatchObject({ partition: 'val', url: `/v1/ui/image?dataset=synth&id=${ids[0]}` });
    expect(a).toMatchObject({ dataset: 'synth', partition: 'val', seed: 5, records: 16 });
  });

  it('gives every record once when asked for more than the partition holds', async () => {
    const all = (await get('/v1/ui/sample?partition=val&count=64&seed=1')).json();
    expect(all.items.map((i: { id: number }) => i.id).sort((x: number, y: number) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => 48 + i));
    expect(sampleOffsets(5, 5, 9).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it.each([
    ['count=0', 'count', 'Expected an integer from 1 to 64 for count but received "0" of type string'],
    ['count=65', 'count', 'Expected an integer from 1 to 64 for count but received "65" of type string'],
    ['seed=-1', 'seed', 'Expected an integer from 0 to 4294967295 for seed but received "-1" of type string'],
    ['partition=test', 'partition', 'Expected one of train, val for partition but received "test" of type string'],
    ['dataset=nope', 'dataset', 'Expected one of synth for dataset but received "nope" of type string'],
    ['size=3', 'size', 'Unknown parameter "size" (known: dataset, partition, count, seed)'],
  ])('400 for %s, naming the parameter', async (query, param, message) => {
    const res = await get(`/v1/ui/sample?${query}`);
    expect(res.status).toBe(400);
    expect(res.json().error).toMatchObject({ param, message });
  });
});

describe('GET /v1/ui/image', () => {
  it('sends the record decoded from its shard as PNG', async () => {
    const res = await get('/v1/ui/image?dataset=synth&id=50');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const { data, info } = await sharp(res.body).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([8, 8, 3]);
    expect(Buffer.compare(data, Buffer.from(set.pixels(50)))).toBe(0);
  });

  it.each([
    ['', 'id', 'ERR_MISSING_PARAMETER', 'Missing parameter id: an integer from 0 to 63'],
    ['id=64', 'id', 'ERR_INVALID_PARAMETER', 'Expected an integer from 0 to 63 for id but received "64" of type string'],
    ['id=1e3', 'id', 'ERR_INVALID_PARAMETER', 'Expected an integer from 0 to 63 for id but received "1e3" of type string'],
    ['id=1&id=2', 'id', 'ERR_INVALID_PARAMETER', 'Expected a single value for id but received ["1","2"] of type array'],
  ])('400 for "%s", naming the parameter', async (query, param, code, message) => {
    const res = await get(`/v1/ui/image?${query}`);
    expect(res.status).toBe(400);
    expect(res.json().error).toMatchObject({ code, param, message });
  });

  it('500 ERR_BAD_DATA naming the shard and byte for a corrupt record, without a stack', async () => {
    const other = await writeShardSet({ encoding: 'png' });
    await other.corruptRecord(3);
    const s = await createShardServer({ data: other.dir, port: 0, accessLog: false, log: () => undefined });
    try {
      const res = await request(`${s.url}/v1/ui/image?id=3`);
      const body = (await res.body.json()) as { error: { code: string; message: string } };
      expect(res.statusCode).toBe(500);
      expect(body.error.code).toBe('ERR_BAD_DATA');
      expect(body.error.message).toContain(`${other.locate(3).shard} @ byte ${other.locate(3).offset}`);
      expect(body.error.message).not.toMatch(/\n\s+at /);
    } finally {
      await s.close();
      await other.cleanup();
    }
  });
});

describe('GET /v1/ui/streams', () => {
  it('counts every batch and image of a stream, and lists no stream once it is done', async () => {
    const before = (await get('/v1/ui/streams')).json();
    expect(before.streams).toEqual([]);
    // 64 records, batches of 5, drop_remainder=false: 13 batches, 64 images.
    const stream = await get('/v1/stream?batch_size=5&drop_remainder=false&format=tensor');
    expect(stream.status).toBe(200);
    await get('/v1/stream?batch_size=0'); // refused: not a stream
    const after = (await get('/v1/ui/streams')).json();
    expect(after.streams).toEqual([]);
    expect(after.totals.streams_started - before.totals.streams_started).toBe(1);
    expect(after.totals.batches_sent - before.totals.batches_sent).toBe(13);
    expect(after.totals.images_sent - before.totals.images_sent).toBe(64);
    expect(after.totals.images_per_second).toBeGreaterThan(0);
  });

  it('takes no parameters', async () => {
    const res = await get('/v1/ui/streams?all=1');
    expect(res.status).toBe(400);
    expect(res.json().error.param).toBe('all');
  });
});
