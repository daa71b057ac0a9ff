import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { clampBox, encodePixels, hasPngEnd, transformImage, undecodableReason, zeroAreaReason } from '../../src/datasets/image-transform.js';
import { CELEBA_FIXTURE } from './helpers.js';

describe('clampBox', () => {
  it('keeps a box inside the image', () => {
    expect(clampBox({ x: 2, y: 3, width: 10, height: 12 }, 40, 48)).toEqual({ left: 2, top: 3, width: 10, height: 12 });
  });
  it('truncates fractional coordinates as tf.cast(bbox, tf.int32) does', () => {
    expect(clampBox({ x: 2.9, y: 3.5, width: 10.7, height: 12.2 }, 40, 48)).toEqual({ left: 2, top: 3, width: 10, height: 12 });
  });
  it('clamps a box past the right and bottom edges', () => {
    expect(clampBox({ x: 30, y: 38, width: 20, height: 20 }, 40, 48)).toEqual({ left: 30, top: 38, width: 10, height: 10 });
  });
  it('clamps a box before the left and top edges', () => {
    expect(clampBox({ x: -5, y: -4, width: 17, height: 19 }, 40, 48)).toEqual({ left: 0, top: 0, width: 12, height: 15 });
  });
  it('rejects a zero-area box', () => {
    expect(clampBox({ x: 12, y: 9, width: 0, height: 0 }, 40, 48)).toBe('zero-area bounding box: 0×0 at 12,9');
  });
  it('rejects a box entirely outside the image', () => {
    expect(clampBox({ x: 45, y: 0, width: 10, height: 10 }, 40, 48)).toBe('bounding box outside the image: 10×10 at 45,0 in a 40×48 image');
    expect(clampBox({ x: -20, y: 0, width: 10, height: 10 }, 40, 48)).toBe('bounding box outside the image: 10×10 at -20,0 in a 40×48 image');
  });
  it('names a box with no area after truncation (zeroAreaReason)', () => {
    expect(zeroAreaReason({ x: 3, y: 4, width: 0.9, height: 12 })).toBe('zero-area bounding box: 0×12 at 3,4');
    expect(zeroAreaReason({ x: 3, y: 4, width: -2, height: 12 })).toBe('zero-area bounding box: -2×12 at 3,4');
    expect(zeroAreaReason({ x: -30, y: 4, width: 2, height: 1 })).toBeUndefined();
  });
});

describe('transformImage', () => {
  const wild = (name: string) => readFile(join(CELEBA_FIXTURE, 'Img', 'img_celeba', name));

  it('crops to the box: the stored pixels are the rectangle drawn there', async () => {
    const t = await transformImage(await wild('000001.jpg'), { crop: { x: 9, y: 8, width: 17, height: 27 }, size: 0, encoding: 'raw', quality: 95, channels: 3 });
    if (!t.ok) throw new Error(t.reason);
    expect([t.width, t.height, t.sourceWidth, t.sourceHeight]).toEqual([17, 27, 40, 48]);
    expect(t.encoded.length).toBe(17 * 27 * 3);
  });

  it('stores the source bytes when nothing changes and the encoding matches', async () => {
    const bytes = await readFile(join(CELEBA_FIXTURE, 'Img', 'img_align_celeba', '000001.jpg'));
    const t = await transformImage(bytes, { size: 0, encoding: 'jpeg', quality: 95, channels: 3 });
    if (!t.ok) throw new Error(t.reason);
    expect(Buffer.from(t.encoded).equals(bytes)).toBe(true);
  });

  it('converts a greyscale JPEG to 3 channels', async () => {
    const t = await transformImage(await wild('000022.jpg'), { size: 8, encoding: 'raw', quality: 95, channels: 3 });
    if (!t.ok) throw new Error(t.reason);
    expect(t.encoded.length).toBe(8 * 8 * 3);
  });

  it('rejects a truncated JPEG as undecodable', async () => {
    const t = await transformImage(await wild('000010.jpg'), { size: 64, encoding: 'jpeg', quality: 95, channels: 3 });
    expect(t).toEqual({ ok: false, reason: 'undecodable image: truncated JPEG (no end-of-image marker)' });
  });

  it('rejects bytes that are no image', async () => {
    const t = await transformImage(Buffer.from('not an image'), { size: 64, encoding: 'jpeg', quality: 95, channels: 3 });
    expect(t).toEqual({ ok: false, reason: 'undecodable image: unknown format or corrupt header' });
  });

  it('names a truncated PNG, and corrupt data of a complete file', async () => {
    const png = await readFile(join(CELEBA_FIXTURE, 'Img', 'img_align_celeba_png', '000010.png'));
    expect(await transformImage(png, { size: 8, encoding: 'raw', quality: 95, channels: 3 })).toEqual({ ok: false, reason: 'undecodable image: truncated PNG (no IEND chunk)' });
    expect(undecodableReason(Buffer.from([0xff, 0xd8, 0, 0, 0xff, 0xd9]), 'jpeg')).toBe('undecodable image: corrupt jpeg data');
  });

  it('rejects an empty file as undecodable instead of throwing', async () => {
    for (const crop of [undefined, { x: 1, y: 1, width: 4, height: 4 }]) {
      const t = await transformImage(new Uint8Array(0), { ...(crop ? { crop } : {}), size: 8, encoding: 'jpeg', quality: 95, channels: 3 });
      expect(t).toEqual({ ok: false, reason: 'undecodable image: empty file (0 bytes)' });
    }
  });

  describe('rejects a truncated file whatever the crop (the whole file is decoded)', () => {
    // 40×480 noise: a box in the top rows is decoded from the first part of the file only (the
    // PNG has two IDAT chunks and the cut is in the second).
    let seed = 1;
    const pixels = Buffer.from(Array.from({ length: 40 * 480 * 3 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 23));
    const tall = sharp(pixels, { raw: { width: 40, height: 480, channels: 3 } });
    const top = { x: 2, y: 3, width: 20, height: 20 };
    it.each([
      ['JPEG', () => tall.clone().jpeg({ quality: 95 }).toBuffer(), 'undecodable image: truncated JPEG (no end-of-image marker)'],
      ['PNG', () => tall.clone().png().toBuffer(), 'undecodable image: truncated PNG (no IEND chunk)'],
    ])('%s', async (_kind, make, reason) => {
      const whole = await make();
      for (const options of [{ size: 0, encoding: 'raw' }, { size: 8, encoding: 'jpeg' }, { size: 0, encoding: 'png' }] as const) {
        const intact = await transformImage(whole, { crop: top, ...options, quality: 95, channels: 3 });
        expect(intact.ok).toBe(true);
        // Cut in the pixel data, and by only the last byte (of the JPEG's end-of-image marker, the PNG's IEND chunk).
        for (const end of [Math.floor(whole.length * 0.75), whole.length - 1]) {
          const cut = await transformImage(whole.subarray(0, end), { crop: top, ...options, quality: 95, channels: 3 });
          expect(cut, `${options.encoding} at size ${options.size}, ${end} of ${whole.length} bytes`).toEqual({ ok: false, reason });
        }
      }
    });
  });

  it('rejects a box outside the image before decoding', async () => {
    const t = await transformImage(await wild('000001.jpg'), { crop: { x: 100, y: 100, width: 5, height: 5 }, size: 64, encoding: 'jpeg', quality: 95, channels: 3 });
    expect(t).toEqual({ ok: false, reason: 'bounding box outside the image: 5×5 at 100,100 in a 40×48 image' });
  });
});

describe('hasPngEnd', () => {
  const chunk = (type: string, length: number) => Buffer.concat([Buffer.from([0, 0, 0, length]), Buffer.from(type, 'latin1'), Buffer.alloc(length + 4)]);
  const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', 13), chunk('IDAT', 5), chunk('IEND', 0)]);
  it('walks the chunks to a whole IEND', () => {
    expect(hasPngEnd(png)).toBe(true);
    expect(hasPngEnd(Buffer.concat([png, Buffer.from('trailing bytes')]))).toBe(true);
  });
  it('is false when the file ends before IEND is whole, or an IEND inside chunk data is all there is', () => {
    for (let n = 0; n < png.length; n++) expect(hasPngEnd(png.subarray(0, n)), `${n} bytes`).toBe(false);
    const hidden = Buffer.concat([png.subarray(0, 33), Buffer.from([0, 0, 0, 12, ...Buffer.from('tEXt'), ...png.subarray(png.length - 12)])]);
    expect(hasPngEnd(hidden)).toBe(false);
  });
  it('makes a complete PNG with bad data "corrupt", not "truncated"', () => {
    expect(undecodableReason(Buffer.concat([png, Buffer.from('trailing bytes')]), 'png')).toBe('undecodable image: corrupt png data');
  });
});

describe('encodePixels', () => {
  it('keeps one channel in PNG', async () => {
    const png = await encodePixels({ pixels: new Uint8Array(16).fill(7), width: 4, height: 4, channels: 1 }, 'png', 95);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.channels, meta.width]).toEqual(['png', 1, 4]);
  });
  it('returns raw pixels as they are', async () => {
    const px = Uint8Array.from([1, 2, 3]);
    expect(await encodePixels({ pixels: px, width: 1, height: 1, channels: 3 }, 'raw', 95)).toBe(px);
  });
});
