import { InvalidParameterError } from '../../core/errors.js';

/** NHWC images as the generator gives them: floats in [-1, 1] and their shape. */
export interface ImageBatch {
  readonly images: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

/** Each pixel repeated `scale`×`scale` (nearest neighbour by an integer factor: no blur, no new values). */
export function upscaleNearest(batch: ImageBatch, scale: number): ImageBatch {
  if (!Number.isSafeInteger(scale) || scale < 1) throw new InvalidParameterError('scale', 'a positive integer', scale);
  if (scale === 1) return batch;
  const [n, h, w, c] = batch.shape;
  const H = h * scale;
  const W = w * scale;
  const out = new Float32Array(n * H * W * c);
  for (let k = 0; k < n; k++) {
    for (let y = 0; y < H; y++) {
      const srcRow = (k * h + Math.floor(y / scale)) * w;
      const dstRow = (k * H + y) * W;
      for (let x = 0; x < W; x++) {
        const src = (srcRow + Math.floor(x / scale)) * c;
        const dst = (dstRow + x) * c;
        for (let ch = 0; ch < c; ch++) out[dst + ch] = batch.images[src + ch]!;
      }
    }
  }
  return { images: out, shape: [n, H, W, c] };
}
