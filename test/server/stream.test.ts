import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { batchesPerEpoch, batchRecordIds, permutation } from '../../src/shards/shuffle.js';
import { decodeTensorBatch } from '../../src/shards/tensor-batch.js';
import { meanAbsDiff, writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { fetchStream, recordsOf, synthIds } from './stream-helpers.js';

let root: string;
const sets: Record<string, SyntheticShardSet> = {};
let server: ShardServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'shardstream-stream-'));
  // One data folder with three datasets (one per sub-folder): the multi-dataset layout.
  for (const encoding of ['png', 'jpeg', 'raw'] as const) {
    const dir = join(root, encoding);
    await mkdir(dir);
    sets[encoding] = await writeShardSet({ dir, dataset: encoding, encoding });
  }
  server = await createShardServer({ data: root, port: 0, accessLog: false, log: () => undefined });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

const N = 64; // 48 train + 16 val

describe('GET /v1/stream, format=records: DESIGN §4 order', () => {
  it('sends each batch of the documented permutation, in order, with headers describing the stream', async () => {
    const res = await fetchStream(server.url, { dataset: 'png', batch_size: 5, seed: 7, epoch: 3 });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['x-shardstream-records']).toBe(String(N));
    expect(res.headers['x-shardstream-batches']).toBe('12');
    expect(res.headers['x-shardstream-manifest-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(res.headers['x-shardstream-partitions']).toBe('train,val');
    const perm = permutation(N, 7, 3);
    const plan = { records: N, batchSize: 5 };
    const expected = Array.from({ length: 12 }, (_, k) => [...batchRecordIds(perm, plan, k)]).flat();
    expect(await synthIds(res.body)).toEqual(expected);
  });

  for (const dropRemainder of [true, false]) {
    it(`the union over ranks is each record exactly once (drop_remainder=${dropRemainder})`, async () => {
      const world = 3;
      const b = 5; // N = 64 = 4 global batches of 15, remainder 4
      const perm = permutation(N, 11, 0);
      const seen: number[] = [];
      const counts: number[] = [];
      for (let rank = 0; rank < world; rank++) {
        const res = await fetchStream(server.url, { dataset: 'png', batch_size: b, seed: 11, rank, world, drop_remainder: dropRemainder });
        expect(res.status).toBe(200);
        const batches = batchesPerEpoch({ records: N, batchSize: b, world, rank, dropRemainder });
        expect(res.headers['x-shardstream-batches']).toBe(String(batches));
        const ids = await synthIds(res.body);
        counts.push(ids.length);
        seen.push(...ids);
      }
      expect(new Set(seen).size).toBe(seen.length); // disjoint
      if (dropRemainder) {
        expect(counts).toEqual([20, 20, 20]);
        // exactly the first 60 permutation positions; the last 4 are dropped
        expect(seen.sort((a, z) => a - z)).toEqual([...perm.subarray(0, 60)].sort((a, z) => a - z));
      } else {
        // the remainder of 4 is split 1/1/2 (floor(r·R/world) slices)
        expect(counts).toEqual([21, 21, 22]);
        expect(seen.sort((a, z) => a - z)).toEqual(Array.from({ length: N }, (_, i) => i));
      }
    });
  }

  it('is elastic: global batches do not change with the number of trainers', async () => {
    const one = await synthIds((await fetchStream(server.url, { dataset: 'png', batch_size: 8, seed: 3 })).body);
    const r0 = await synthIds((await fetchStream(server.url, { dataset: 'png', batch_size: 4, seed: 3, world: 2, rank: 0 })).body);
    const r1 = await synthIds((await fetchStream(server.url, { dataset: 'png', batch_size: 4, seed: 3, world: 2, rank: 1 })).body);
    const merged = Array.from({ length: 8 }, (_, k) => [...r0.slice(4 * k, 4 * k + 4), ...r1.slice(4 * k, 4 * k + 4)]).flat();
    expect(merged).toEqual(one);
  });

  it('gives identical bytes for the same request twice, and another order for another epoch or seed', async () => {
    const params = { dataset: 'png', batch_size: 8, seed: 5, epoch: 1 };
    const a = await fetchStream(server.url, params);
    const b = await fetchStream(server.url, params);
    expect(a.body.equals(b.body)).toBe(true);
    const e2 = await fetchStream(server.url, { ...params, epoch: 2 });
    const s2 = await fetchStream(server.url, { ...params, seed: 6 });
    expect(await synthIds(e2.body)).not.toEqual(await synthIds(a.body));
    expect(await synthIds(s2.body)).not.toEqual(await synthIds(a.body));
    expect([...(await synthIds(e2.body))].sort((x, y) => x - y)).toEqual([...(await synthIds(a.body))].sort((x, y) => x - y));
  });

  it('start_batch=k gives exactly the tail from batch k', async () => {
    const params = { dataset: 'png', batch_size: 7, seed: 9, epoch: 4, world: 2, rank: 1, drop_remainder: false };
    const full = await recordsOf((await fetchStream(server.url, params)).body);
    // batches of 7 records each, except the last (remainder 8 split 4/4 → rank 1 gets 4)
    for (const k of [0, 1, 3, 4]) {
      const tail = await fetchStream(server.url, { ...params, start_batch: k });
      expect(tail.status).toBe(200);
      expect(tail.headers['x-shardstream-start-batch']).toBe(String(k));
      const recs = await recordsOf(tail.body);
      expect(recs.map((r) => r.toString('hex'))).toEqual(full.slice(7 * k).map((r) => r.toString('hex')));
    }
    const end = await fetchStream(server.url, { ...params, start_batch: 5 });
    expect(end.status).toBe(200);
    expect(end.body.length).toBe(0);
  });

  it('numbers records in the partition order asked (partitions=val,train), or over one partition', async () => {
    const set = sets.png!;
    const res = await fetchStream(server.url, { dataset: 'png', partitions: 'val,train', batch_size: 64, seed: 1 });
    const perm = permutation(N, 1, 0);
    expect(await synthIds(res.body)).toEqual([...perm].map((id) => set.manifestId(['val', 'train'], id)));
    const val = await fetchStream(server.url, { dataset: 'png', partitions: 'val', batch_size: 4, seed: 1 });
    expect(val.headers['x-shardstream-records']).toBe('16');
    const vperm = permutation(16, 1, 0);
    expect(await synthIds(val.body)).toEqual([...vperm].map((id) => set.manifestId(['val'], id)));
  });

  it('a body passes `tfrecord verify`', async () => {
    const res = await fetchStream(server.url, { dataset: 'jpeg', batch_size: 9, seed: 2 });
    const dir = await mkdtemp(join(tmpdir(), 'shardstream-verify-'));
    try {
      const path = join(dir, 'stream.tfrecord');
      await writeFile(path, res.body);
      const cli = join(process.cwd(), 'dist/src/cli/tfrecord.js');
      if (existsSync(cli)) {
        const { stdout } = await promisify(execFile)(process.execPath, [join(process.cwd(), 'bin/tfrecord.js'), 'verify', path]);
        expect(stdout).toMatch(/\b63 good records, 0 corrupt/);
      } else {
        expect((await recordsOf(res.body)).length).toBe(63);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('GET /v1/stream framing', () => {
  /** The raw response to a GET sent as `version`, read until the server closes. */
  function rawGet(path: string, version: string, before = ''): Promise<{ head: string; body: Buffer }> {
    const { port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(`${before}GET ${path} ${version}\r\nHost: x\r\nConnection: close\r\n\r\n`));
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('end', () => {
        const all = Buffer.concat(chunks);
        const end = all.indexOf('\r\n\r\n');
        resolve({ head: all.subarray(0, end).toString('latin1'), body: all.subarray(end + 4) });
      });
    });
  }

  it('one HTTP/1.1 chunk per batch; HTTP/1.0 gets the same bytes unframed', async () => {
    const path = '/v1/stream?dataset=png&batch_size=5&seed=3';
    const expected = (await fetchStream(server.url, { dataset: 'png', batch_size: 5, seed: 3 })).body;
    const v11 = await rawGet(path, 'HTTP/1.1');
    expect(v11.head).toMatch(/^transfer-encoding: chunked$/im);
    const sizes: number[] = [];
    let body = v11.body;
    for (;;) {
      const eol = body.indexOf('\r\n');
      const size = parseInt(body.subarray(0, eol).toString('latin1'), 16);
      expect(body.subarray(eol + 2 + size, eol + 4 + size).toString('latin1')).toBe('\r\n');
      if (size === 0) break;
      sizes.push(size);
      body = body.subarray(eol + 4 + size);
    }
    expect(sizes.length).toBe(12); // 64 records in batches of 5, the remainder dropped
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(expected.length);
    const v10 = await rawGet(path, 'HTTP/1.0');
    expect(v10.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(v10.head).not.toMatch(/transfer-encoding/i);
    expect(v10.body).toEqual(expected);
  });

  it('a pipelined request gets its stream once the response before it is done', async () => {
    const path = '/v1/stream?dataset=raw&batch_size=16';
    const expected = (await fetchStream(server.url, { dataset: 'raw', batch_size: 16 })).body;
    const { head, body } = await rawGet(path, 'HTTP/1.1', `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    // the first response (chunked), then the second one's head and body
    const second = body.indexOf('HTTP/1.1 200 ');
    expect(second).toBeGreaterThan(expected.length);
    expect(body.subarray(second).toString('latin1')).toMatch(/x-shardstream-records: 64\r\n/);
    expect(body.length - second).toBeGreaterThan(expected.length);
  });
});

describe('GET /v1/stream, format=tensor', () => {
  for (const encoding of ['png', 'raw', 'jpeg'] as const) {
    it(`each batch holds the decoded pixels (NHWC) of the records it names (${encoding})`, async () => {
      const set = sets[encoding]!;
      const res = await fetchStream(server.url, { dataset: encoding, format: 'tensor', batch_size: 10, seed: 4, epoch: 2, drop_remainder: false });
      expect(res.status).toBe(200);
      expect(res.headers['x-shardstream-image-shape']).toBe('8,8,3');
      const records = await recordsOf(res.body);
      expect(records.length).toBe(7);
      const perm = permutation(N, 4, 2);
      records.forEach((r, k) => {
        const batch = decodeTensorBatch(r);
        expect(batch.batchIndex).toBe(k);
        expect(batch.epoch).toBe(2);
        expect(batch.ids).toEqual([...batchRecordIds(perm, { records: N, batchSize: 10, dropRemainder: false }, k)]);
        expect(batch.shape).toEqual([batch.ids.length, 8, 8, 3]);
        batch.ids.forEach((id, i) => {
          const got = batch.images.subarray(i * 192, (i + 1) * 192);
          const want = set.pixels(set.manifestId(['train', 'val'], id));
          if (set.exact) expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
          else expect(meanAbsDiff(got, want)).toBeLessThan(4);
        });
      });
    });
  }

  it('an empty last batch of a rank is still one record, with shape [0, h, w, c]', async () => {
    // N = 64, b = 7, world = 9: one global batch of 63, remainder 1 → ranks 0..7 get an empty last batch
    const res = await fetchStream(server.url, { dataset: 'raw', format: 'tensor', batch_size: 7, world: 9, rank: 0, drop_remainder: false });
    const records = await recordsOf(res.body);
    expect(records.length).toBe(2);
    const last = decodeTensorBatch(records[1]!);
    expect(last.shape).toEqual([0, 8, 8, 3]);
    expect(last.ids).toEqual([]);
  });

  it('start_batch=k gives exactly the tail from batch k', async () => {
    const params = { dataset: 'png', format: 'tensor', batch_size: 8, seed: 12 };
    const full = await recordsOf((await fetchStream(server.url, params)).body);
    const tail = await recordsOf((await fetchStream(server.url, { ...params, start_batch: 5 })).body);
    expect(tail.map((r) => r.toString('hex'))).toEqual(full.slice(5).map((r) => r.toString('hex')));
  });
});

describe('GET /v1/stream with bad data', () => {
  let dir: string;
  let bad: ShardServer;
  let set: SyntheticShardSet;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shardstream-bad-'));
    await mkdir(join(dir, 'shape'));
    await mkdir(join(dir, 'crc'));
    await mkdir(join(dir, 'vary'));
    // record 5 is 4×4 in a set whose manifest says 8×8
    await writeShardSet({ dir: join(dir, 'shape'), dataset: 'shape', encoding: 'png', sizeOf: (id) => (id === 5 ? [4, 4] : [8, 8]) });
    set = await writeShardSet({ dir: join(dir, 'crc'), dataset: 'crc', encoding: 'raw' });
    await set.corruptRecord(20);
    await writeShardSet({ dir: join(dir, 'vary'), dataset: 'vary', encoding: 'png', variableSize: true });
    bad = await createShardServer({ data: dir, port: 0, accessLog: false, log: (l) => logs.push(l) });
  });

  afterAll(async () => {
    await bad?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a corrupt record in the first batch: 500 ERR_BAD_DATA naming the shard and offset, before any byte is sent', async () => {
    const res = await fetchStream(bad.url, { dataset: 'crc', batch_size: 64 });
    expect(res.status).toBe(500);
    const { error } = JSON.parse(res.body.toString());
    expect(error.code).toBe('ERR_BAD_DATA');
    const loc = set.locate(20);
    // record 20 is the 5th of the second train shard (16 records per shard)
    expect(error.message).toBe(`${loc.shard} @ byte ${loc.offset}: record 4: data CRC mismatch`);
    expect(logs.some((l) => l.includes('data CRC mismatch'))).toBe(true);
  });

  it('a corrupt record in a later batch: the body is cut, so the client sees a broken stream', async () => {
    const perm = permutation(N, 0, 0);
    const pos = perm.indexOf(20);
    const k = Math.floor(pos / 4);
    expect(k).toBeGreaterThan(0);
    await expect(fetchStream(bad.url, { dataset: 'crc', batch_size: 4 })).rejects.toThrow();
    // records before the bad batch can still be had with start_batch, and after it
    if (k + 1 < 16) expect((await fetchStream(bad.url, { dataset: 'crc', batch_size: 4, start_batch: k + 1 })).status).toBe(200);
    expect((await fetch(`${bad.url}/healthz`)).status).toBe(200);
  });

  it('format=tensor with an image of another shape fails naming the record', async () => {
    const res = await fetchStream(bad.url, { dataset: 'shape', format: 'tensor', batch_size: 64 });
    expect(res.status).toBe(500);
    const { error } = JSON.parse(res.body.toString());
    expect(error.code).toBe('ERR_BAD_DATA');
    expect(error.message).toMatch(/record 5 \(id \d+\): image is 4×4×3, every image of this stream must be 8×8×3$/);
    // format=records does not look at the images
    expect((await fetchStream(bad.url, { dataset: 'shape', batch_size: 64 })).status).toBe(200);
  });

  it('format=tensor on a manifest without a fixed image size: 400 naming format', async () => {
    const res = await fetchStream(bad.url, { dataset: 'vary', format: 'tensor', batch_size: 4 });
    expect(res.status).toBe(400);
    const { error } = JSON.parse(res.body.toString());
    expect(error).toMatchObject({ code: 'ERR_INVALID_PARAMETER', param: 'format' });
    expect(error.message).toMatch(/no fixed image size/);
  });
});
