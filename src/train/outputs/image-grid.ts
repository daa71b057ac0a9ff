import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { InvalidParameterError } from '../../core/errors.js';

/** Options of {@link writeImageGrid}. */
export interface GridOptions {
  /** @default 4 */
  readonly rows?: number;
  /** @default 4 */
  readonly cols?: number;
}

/**
 * Tile `rows·cols` images (NHWC floats in [-1, 1], as the generator's tanh gives them) into one
 * PNG, row by row, without gaps: a 4×4 grid of 64×64 images is 256×256.
 */
export async function writeImageGrid(path: string, images: Float32Array, shape: readonly [number, number, number, number], options: GridOptions = {}): Promise<void> {
  const rows = options.rows ?? 4;
  const cols = options.cols ?? 4;
  const [n, h, w, c] = shape;
  if (n < rows * cols) throw new InvalidParameterError('images', `at least ${rows * cols} images`, n);
  if (images.length !== n * h * w * c) throw new InvalidParameterError('images', `${n * h * w * c} values for shape [${shape.join(', ')}]`, images.length);
  const W = cols * w;
  const out = Buffer.alloc(rows * h * W * c);
  for (let k = 0; k < rows * cols; k++) {
    const gy = Math.floor(k / cols) * h;
    const gx = (k % cols) * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((k * h + y) * w + x) * c;
        const dst = ((gy + y) * W + gx + x) * c;
        for (let ch = 0; ch < c; ch++) {
          const v = Math.round((images[src + ch]! + 1) * 127.5);
          out[dst + ch] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
  }
  await mkdir(dirname(path), { recursive: true });
  // sharp writes one-channel raw input as RGB unless told: grayscale models give grayscale PNGs
  await sharp(out, { raw: { width: W, height: rows * h, channels: c as 1 | 3 } })
    .toColourspace(c === 1 ? 'b-w' : 'srgb')
    .png()
    .toFile(path);
}
