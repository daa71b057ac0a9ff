import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardstreamError } from '../../src/core/errors.js';
import { DecodePool } from '../../src/images/decode-pool.js';
import { fastDecode } from '../../src/images/fast-decode.js';
import { decodeRecordImage, sharpDecode } from '../../src/shards/record-image.js';
import type { ManifestImage } from '../../src/shards/manifest.js';
import { decodeExample, getBytes } from '../../src/tfrecord/example/index.js';
import { readAllRecords } from '../../src/tfrecord/reader.js';
import { crc32c } from '../../src/tfrecord/crc32c.js';
import { noisyPixels, writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

/** Every record of a set, in manifest order. */
async function recordsOf(set: SyntheticShardSet): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const p of set.manifest.partitions) for (const s of p.shards) out.push(...(await readAllRecords(set.shardPath(s.name))));
  return out;
}

const sets: SyntheticShardSet[] = [];
const pool = new DecodePool(2);
afterAll(async () => {
  await pool.close();
  for (const s of sets) await s.cleanup();
});

/** The pool's result for every image equals sharp's decode; `fast`: each was decoded by the pool, not left to sharp. */
async function expectSharpPixels(encoded: readonly Uint8Array[], encoding: 'jpeg' | 'png', channels: number, fast: boolean): Promise<void> {
  const { results, crcs, release } = await pool.decode(encoded, encoding, channels, { crc: true });
  expect(results.length).toBe(encoded.length);
  for (let i = 0; i < encoded.length; i++) {
    const r = results[i]!;
    expect(r.kind, `image ${i}`).toBe(fast ? 'ok' : 'fallback');
    if (r.kind !== 'ok') continue;
    const ref = await sharpDecode(encoded[i]!, channels);
    expect([r.height, r.width, r.pixels.length]).toEqual([ref.height, ref.width, ref.pixels.length]);
    expect(Buffer.from(r.pixels).equals(Buffer.from(ref.pixels)), `image ${i} differs from sharp`).toBe(true);
    expect(crcs![i], `image ${i}: the worker's CRC`).toBe(crc32c(ref.pixels));
  }
  release();
}

describe('small-image decode path: bit-exact with sharp', () => {
  const cases = [
    { what: '64×64 RGB JPEG, quality 95', encoding: 'jpeg', channels: 3, quality: 95, fast: true },
    { what: '64×64 RGB JPEG, quality 75', encoding: 'jpeg', channels: 3, quality: 75, fast: true },
    { what: '64×64 RGB PNG', encoding: 'png', channels: 3, quality: 95, fast: true },
    // the helper stores grey pixels as 3-component images: grey from colour is sharp's conversion
    { what: '64×64 grey JPEG stored as colour (sharp fallback)', encoding: 'jpeg', channels: 1, quality: 95, fast: false },
    { what: '64×64 grey PNG stored as colour (sharp fallback)', encoding: 'png', channels: 1, quality: 95, fast: false },
  ] as const;
  for (const c of cases) {
    it(`${c.what}: every image of the shard set decodes to sharp's pixels`, async () => {
      const set = await writeShardSet({ encoding: c.encoding, channels: c.channels, quality: c.quality, height: 64, width: 64, pixels: noisyPixels, partitions: [{ name: 'train', records: 96, shards: 2 }] });
      sets.push(set);
      const records = await recordsOf(set);
      const encoded = records.map((r) => getBytes(decodeExample(r), set.manifest.image.feature));
      await expectSharpPixels(encoded, c.encoding, c.channels, c.fast);
      for (let i = 0; i < records.length; i++) {
        // the library entry point (what server, client and web page call) gives the same
        const img = await decodeRecordImage(records[i]!, set.manifest.image);
        expect(Buffer.from(img.pixels).equals(Buffer.from((await sharpDecode(encoded[i]!, c.channels)).pixels)), `record ${i}`).toBe(true);
      }
    });
  }

  // What image-transform.ts writes: default chroma subsampling (4:2:0), grey as 1-component images
  for (const [what, encoding, channels] of [
    ['converter JPEG (4:2:0, quality 95), RGB', 'jpeg', 3],
    ['converter JPEG (quality 95), grey', 'jpeg', 1],
    ['converter PNG, grey', 'png', 1],
  ] as const) {
    it(`${what}: 96 images decode on the pool to sharp's pixels`, async () => {
      const encoded = await Promise.all(
        Array.from({ length: 96 }, (_, id) => {
          const img = sharp(Buffer.from(noisyPixels(id, 64, 64, 3)), { raw: { width: 64, height: 64, channels: 3 } });
          const px = channels === 1 ? img.toColourspace('b-w') : img;
          return encoding === 'jpeg' ? px.jpeg({ quality: 95 }).toBuffer() : px.png().toBuffer();
        }),
      );
      await expectSharpPixels(encoded, encoding, channels, true);
    });
  }

  it('falls back to sharp where the fast path would differ (colour JPEG to grey, 16-bit PNG) and still equals sharp', async () => {
    const rgb = Buffer.from(noisyPixels(3, 16, 16, 3));
    const jpeg = await sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const png16 = await sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    expect(fastDecode(jpeg, 'jpeg', 1)).toBeUndefined();
    expect(fastDecode(png16, 'png', 3)).toBeUndefined();
    const grey: ManifestImage = { feature: 'image/encoded', encoding: 'jpeg', channels: 1, height: 16, width: 16 } as ManifestImage;
    const ex = { 'image/encoded': { kind: 'bytes', value: [jpeg] } } as const;
    const { decodeExampleImage } = await import('../../src/shards/record-image.js');
    expect(Buffer.from((await decodeExampleImage(ex, grey)).pixels).equals(Buffer.from((await sharpDecode(jpeg, 1)).pixels))).toBe(true);
    const rgb16: ManifestImage = { ...grey, encoding: 'png', channels: 3 } as ManifestImage;
    const ex16 = { 'image/encoded': { kind: 'bytes', value: [png16] } } as const;
    expect(Buffer.from((await decodeExampleImage(ex16, rgb16)).pixels).equals(Buffer.from((await sharpDecode(png16, 3)).pixels))).toBe(true);
  });
});

describe('small-image decode path: corrupt images are errors, never pixels', () => {
  let jpeg: Buffer;
  let png: Buffer;
  beforeAll(async () => {
    const raw = Buffer.from(new Uint8Array(64 * 64 * 3).map((_, i) => (i * 7) & 255));
    jpeg = await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    png = await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
  });
  const flip = (b: Buffer): Buffer => {
    const out = Buffer.from(b);
    const m = out.length >> 1;
    out[m]! ^= 0xff;
    out[m + 1]! ^= 0x55;
    return out;
  };
  const image = (encoding: 'jpeg' | 'png'): ManifestImage => ({ feature: 'image/encoded', encoding, channels: 3, height: 64, width: 64 }) as ManifestImage;

  it('a JPEG with damaged entropy data: sharp gives pixels, this path an error naming the record', async () => {
    const bad = flip(jpeg);
    await expect(sharpDecode(bad, 3)).resolves.toBeDefined(); // the old path sent these pixels
    const { decodeExampleImage } = await import('../../src/shards/record-image.js');
    const ex = { 'image/encoded': { kind: 'bytes', value: [bad] } } as const;
    const err = await decodeExampleImage(ex, image('jpeg'), 'shard-00001.tfrecord @ byte 4711: record 3').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShardstreamError);
    expect((err as ShardstreamError).code).toBe('ERR_INVALID_INPUT');
    expect((err as Error).message).toMatch(/^shard-00001\.tfrecord @ byte 4711: record 3: cannot decode the jpeg image: jpeg decoder: /);
  });

  it('a batch mixing good JPEGs with ones libjpeg stops on (a broken Huffman table): those fail, the others are sharp\'s pixels, and hundreds of such failures later the pool still decodes right', async () => {
    const good = await Promise.all(Array.from({ length: 16 }, (_, id) => sharp(Buffer.from(noisyPixels(id, 64, 64, 3)), { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 95 }).toBuffer()));
    const broken = (b: Buffer): Buffer => {
      const out = Buffer.from(b);
      const dht = out.indexOf(Buffer.from([0xff, 0xc4]));
      out.fill(0xff, dht + 5, dht + 21); // code counts summing past 256: a fatal error, not a warning
      return out;
    };
    for (let round = 0; round < 20; round++) {
      const batch = good.flatMap((b) => [b, broken(b)]);
      const { results, release } = await pool.decode(batch, 'jpeg', 3);
      for (let i = 0; i < batch.length; i++) {
        const r = results[i]!;
        if (i % 2 === 1) {
          expect(r, `image ${i}`).toEqual({ kind: 'error', message: expect.stringMatching(/^jpeg decoder: libjpeg-turbo stopped on a fatal error/) });
          continue;
        }
        expect(r.kind).toBe('ok');
        if (r.kind === 'ok' && round % 10 === 0) expect(Buffer.from(r.pixels).equals(Buffer.from((await sharpDecode(batch[i]!, 3)).pixels)), `round ${round}, image ${i}`).toBe(true);
      }
      release();
    }
    await expectSharpPixels(good, 'jpeg', 3, true);
  });

  for (const [what, bytes] of [
    ['a truncated JPEG', (): Buffer => jpeg.subarray(0, jpeg.length >> 1)],
    ['a JPEG without its end', (): Buffer => jpeg.subarray(0, jpeg.length - 2)],
    ['a truncated PNG', (): Buffer => png.subarray(0, png.length >> 1)],
    ['a PNG with a flipped byte', (): Buffer => flip(png)],
    ['bytes that are no image', (): Buffer => Buffer.from('hello, not an image at all')],
  ] as const) {
    it(`${what}: ERR_INVALID_INPUT naming the record, and the pool keeps decoding`, async () => {
      const encoding = what.includes('PNG') ? 'png' : 'jpeg';
      const { decodeExampleImage } = await import('../../src/shards/record-image.js');
      const ex = { 'image/encoded': { kind: 'bytes', value: [bytes()] } } as const;
      await expect(decodeExampleImage(ex, image(encoding), 'x.tfrecord @ byte 12: record 0')).rejects.toThrow(new RegExp(`^x\\.tfrecord @ byte 12: record 0: cannot decode the ${encoding} image: `));
      const good = await decodeExampleImage({ 'image/encoded': { kind: 'bytes', value: [encoding === 'png' ? png : jpeg] } }, image(encoding));
      expect(good.pixels.length).toBe(64 * 64 * 3);
    });
  }
});
