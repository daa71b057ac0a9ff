import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShardServer, type ShardServer } from '../../../src/server/index.js';
import { sharpDecode } from '../../../src/shards/record-image.js';
import { decodeTensorBatch } from '../../../src/shards/tensor-batch.js';
import { maskedCrc32c } from '../../../src/tfrecord/crc32c.js';
import { decodeExample, getBytes, getInt } from '../../../src/tfrecord/example/index.js';
import { readAllRecords } from '../../../src/tfrecord/reader.js';
import { FOOTER_BYTES, HEADER_BYTES } from '../../../src/tfrecord/framing.js';
import { noisyPixels, writeShardSet, type SyntheticShardSet } from '../../helpers/shard-set.js';
import { fetchStream, recordsOf } from '../stream-helpers.js';

/** Damage the JPEG entropy data of record `id` (two bytes mid-image) and fix its data CRC, so only the image is wrong. */
async function damageImage(set: SyntheticShardSet, id: number): Promise<void> {
  const loc = set.locate(id);
  const f = await open(set.shardPath(loc.shard), 'r+');
  try {
    const framed = Buffer.alloc(loc.size);
    await f.read(framed, 0, loc.size, loc.offset);
    const data = framed.subarray(HEADER_BYTES, loc.size - FOOTER_BYTES);
    const encoded = getBytes(decodeExample(data), 'image/encoded');
    const at = data.indexOf(Buffer.from(encoded)) + (encoded.length >> 1);
    // a restart marker where none belongs: libvips decodes on (wrong pixels), libjpeg-turbo warns
    data[at] = 0xff;
    data[at + 1] = 0xd3;
    framed.writeUInt32LE(maskedCrc32c(data), loc.size - FOOTER_BYTES);
    await f.write(framed, 0, loc.size, loc.offset);
  } finally {
    await f.close();
  }
}

describe('format=tensor from JPEG shards (small-image decode path)', () => {
  let dir: string;
  let good: SyntheticShardSet;
  let bad: SyntheticShardSet;
  let server: ShardServer;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tensor-decode-'));
    const opts = { encoding: 'jpeg', height: 32, width: 32, pixels: noisyPixels, partitions: [{ name: 'train', records: 64, shards: 2 }] } as const;
    await mkdir(join(dir, 'good'));
    await mkdir(join(dir, 'bad'));
    good = await writeShardSet({ ...opts, dir: join(dir, 'good'), dataset: 'good' });
    bad = await writeShardSet({ ...opts, dir: join(dir, 'bad'), dataset: 'bad' });
    await damageImage(bad, 37);
    server = await createShardServer({ data: dir, port: 0, accessLog: false, log: (l) => logs.push(l), imageCacheBytes: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every image of `epoch`'s tensor stream equals what sharp decodes from the stored bytes. */
  async function expectSharpEpoch(url: string, epoch: number): Promise<void> {
    const stored = new Map<number, Uint8Array>();
    for (const s of good.manifest.partitions[0]!.shards) {
      for (const r of await readAllRecords(good.shardPath(s.name))) {
        const ex = decodeExample(r);
        stored.set(getInt(ex, 'synth/id'), getBytes(ex, 'image/encoded'));
      }
    }
    const res = await fetchStream(url, { dataset: 'good', format: 'tensor', batch_size: 16, epoch });
    expect(res.status).toBe(200);
    let seen = 0;
    for (const rec of await recordsOf(res.body)) {
      const b = decodeTensorBatch(rec);
      const size = 32 * 32 * 3;
      for (let i = 0; i < b.ids.length; i++) {
        const ref = await sharpDecode(stored.get(b.ids[i]!)!, 3);
        expect(Buffer.from(b.images.subarray(i * size, (i + 1) * size)).equals(Buffer.from(ref.pixels)), `epoch ${epoch}, id ${b.ids[i]}`).toBe(true);
        seen++;
      }
    }
    expect(seen).toBe(64);
  }

  it('every image of the epoch equals what sharp decodes from the stored bytes', async () => {
    await expectSharpEpoch(server.url, 0);
  });

  it('with an image cache that holds part of the set, later epochs (cached and decoded images mixed) still carry sharp\'s pixels', async () => {
    // 40 of the 64 images fit: later epochs take some from the cache while others are decoded
    // into the pool's reused buffers, which must never show through a cached image.
    const cached = await createShardServer({ data: dir, port: 0, accessLog: false, log: () => undefined, imageCacheBytes: 40 * 32 * 32 * 3 });
    try {
      for (const epoch of [0, 1, 2, 3]) await expectSharpEpoch(cached.url, epoch);
      const metrics = await (await fetch(`${cached.url}/metrics`)).text();
      expect(metrics).toMatch(/^shardstream_image_cache_hits_total [1-9]/m);
    } finally {
      await cached.close();
    }
  });

  it('a JPEG with damaged entropy data (valid CRCs) fails the stream: 500 ERR_BAD_DATA naming shard, byte offset and record, no pixels sent', async () => {
    const res = await fetchStream(server.url, { dataset: 'bad', format: 'tensor', batch_size: 64 });
    expect(res.status).toBe(500);
    const { error } = JSON.parse(res.body.toString()) as { error: { code: string; message: string } };
    expect(error.code).toBe('ERR_BAD_DATA');
    const loc = bad.locate(37);
    expect(error.message).toMatch(new RegExp(`^${loc.shard.replace(/\./g, '\\.')} @ byte ${loc.offset}: record 5 \\(id 37\\): cannot decode the jpeg image: `));
    // format=records does not look at the images
    expect((await fetchStream(server.url, { dataset: 'bad', batch_size: 64 })).status).toBe(200);
  });
});
