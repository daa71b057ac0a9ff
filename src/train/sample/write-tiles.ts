import { InvalidParameterError } from '../../core/errors.js';
import { writeImageGrid } from '../outputs/image-grid.js';
import { upscaleNearest, type ImageBatch } from './upscale.js';

/** Options of {@link writeTiles}. */
export interface TileOptions {
  /** Tiles per row. @default all the images (one strip) */
  readonly cols?: number;
  /** Integer nearest-neighbour enlargement of every pixel. @default 1 */
  readonly scale?: number;
}

/** A PNG written, with its size in pixels. */
export interface WrittenImage {
  readonly path: string;
  readonly width: number;
  readonly height: number;
}

/**
 * Writes `batch` as one PNG of tiles, row by row without gaps (the epoch grids' layout,
 * {@link writeImageGrid}), enlarged `scale`×; a last row that is not full is padded with black.
 */
export async function writeTiles(path: string, batch: ImageBatch, options: TileOptions = {}): Promise<WrittenImage> {
  const [n, h, w, c] = batch.shape;
  const cols = options.cols ?? n;
  if (!Number.isSafeInteger(cols) || cols < 1) throw new InvalidParameterError('cols', 'a positive integer', cols);
  const rows = Math.ceil(n / cols);
  const padded = new Float32Array(rows * cols * h * w * c).fill(-1);
  padded.set(batch.images);
  const big = upscaleNearest({ images: padded, shape: [rows * cols, h, w, c] }, options.scale ?? 1);
  await writeImageGrid(path, big.images, big.shape, { rows, cols });
  return { path, width: cols * big.shape[2], height: rows * big.shape[1] };
}

/** The image at position `index` of `batch`, as a batch of one. */
export function imageAt(batch: ImageBatch, index: number): ImageBatch {
  const [, h, w, c] = batch.shape;
  const size = h * w * c;
  return { images: batch.images.subarray(index * size, (index + 1) * size), shape: [1, h, w, c] };
}
