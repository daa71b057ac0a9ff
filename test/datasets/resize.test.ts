import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { transformImage } from '../../src/datasets/image-transform.js';
import { resizeBilinear } from '../../src/datasets/resize.js';

/** A deterministic noisy image (the worst case for resampling differences). */
function noise(width: number, height: number, channels: number, seed = 1): Uint8Array {
  const px = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < px.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    px[i] = s >>> 23;
  }
  return px;
}

describe('resizeBilinear (tf.image.resize, bilinear, half-pixel centres, no antialias)', () => {
  it('enlarges a row as TF does, clamping at the edges', () => {
    // TF: x_in = (x + 0.5) * 2/4 - 0.5 = -0.25, 0.25, 0.75, 1.25 → 0, 25, 75, 100
    const out = resizeBilinear({ pixels: Uint8Array.from([0, 100]), width: 2, height: 1, channels: 1 }, 1, 4);
    expect([...out.pixels]).toEqual([0, 25, 75, 100]);
  });

  it('shrinks by sampling two pixels without averaging the rest (no antialiasing)', () => {
    // x_in = (x + 0.5) * 2 - 0.5 = 0.5, 2.5 → (0+10)/2, (20+30)/2; pixel 40.. never counts
    const out = resizeBilinear({ pixels: Uint8Array.from([0, 10, 20, 30]), width: 4, height: 1, channels: 1 }, 1, 2);
    expect([...out.pixels]).toEqual([5, 25]);
  });

  it('blends per channel in 2-D', () => {
    const px = Uint8Array.from([0, 0, 0, 100, 200, 40, 0, 0, 0, 100, 200, 40]); // 2×2, 3 channels, columns differ
    const out = resizeBilinear({ pixels: px, width: 2, height: 2, channels: 3 }, 1, 1);
    expect([...out.pixels]).toEqual([50, 100, 20]);
    expect(out).toMatchObject({ width: 1, height: 1, channels: 3 });
  });
});

describe('resizeBilinear against an independent implementation: sharp affine with half-pixel offsets', () => {
  // When shrinking, libvips' bilinear affine samples exactly where TF does: x_in = (x + 0.5) * s - 0.5.
  for (const [w, h, size] of [
    [150, 130, 64],
    [300, 260, 64],
    [64, 200, 64],
  ] as const) {
    it(`${w}×${h} → ${size}×${size}`, async () => {
      const px = noise(w, h, 3, w);
      const affine = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
        .affine([size / w, 0, 0, size / h], { interpolator: sharp.interpolators.bilinear, idx: 0.5, idy: 0.5, odx: -0.5, ody: -0.5 })
        .raw()
        .toBuffer();
      const ours = resizeBilinear({ pixels: px, width: w, height: h, channels: 3 }, size, size).pixels;
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - affine[i]!));
      expect(worst).toBeLessThanOrEqual(1);
    });
  }
});

describe('transformImage resizes exactly like resizeBilinear', () => {
  for (const [w, h, size] of [
    [150, 130, 64],
    [64, 200, 64],
    [20, 24, 16],
    [20, 24, 32],
    [40, 30, 64],
  ] as const) {
    it(`${w}×${h} → ${size}×${size}`, async () => {
      const px = noise(w, h, 3);
      const png = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
      const t = await transformImage(png, { size, encoding: 'raw', quality: 95, channels: 3 });
      if (!t.ok) throw new Error(t.reason);
      const expected = resizeBilinear({ pixels: px, width: w, height: h, channels: 3 }, size, size).pixels;
      expect(t.width).toBe(size);
      expect(t.height).toBe(size);
      expect(Buffer.from(t.encoded).equals(Buffer.from(expected))).toBe(true);
    });
  }
});
