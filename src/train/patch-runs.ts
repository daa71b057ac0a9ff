import type { backend_util } from '@tensorflow/tfjs';
import { LruCache } from '../core/lru.js';

/**
 * The runs of the transposed patch matrix of a convolution (rows `(kh,kw,ci)`, columns
 * `(b,oy,ox)` for `images` images from `first`) that lie inside the image: for each tap and
 * output row, the output columns whose input pixel is not padding. Three numbers a run:
 * the first patch-matrix element, the first image element, and how many (the image elements
 * follow every `step`). im2col reads the image along a run, col2im adds into it; padding is
 * left out (zero, or nothing to add). A table rather than a callback: runs are often 1–4
 * elements long, and both loops stay inline.
 */
export interface PatchRuns {
  /** `[column, pixel, count]` for each run. */
  readonly runs: Int32Array;
  /** Distance between a run's image elements: stride · channels. */
  readonly step: number;
}

/**
 * Tables already built, by shape: a training step asks for the same few on every call, and at
 * the small models building one took as long as the copy it drives (5 % of a 16×16 step).
 */
const TABLES = new LruCache<string, PatchRuns>({ maxEntries: 64, maxBytes: 64 * 1024 * 1024, sizeOf: (t) => t.runs.byteLength });

/** The {@link PatchRuns} of `images` images from `first` (shared: do not modify). */
export function patchRuns(info: backend_util.Conv2DInfo, first: number, images: number): PatchRuns {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const key = [inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, info.padInfo.top, info.padInfo.left, first, images].join(',');
  let table = TABLES.get(key);
  if (table === undefined) {
    table = buildPatchRuns(info, first, images);
    TABLES.set(key, table);
  }
  return table;
}

function buildPatchRuns(info: backend_util.Conv2DInfo, first: number, images: number): PatchRuns {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const rows = images * outHeight * outWidth;
  const xRow = inWidth * inChannels;
  const runs = new Int32Array(3 * filterHeight * filterWidth * inChannels * images * outHeight);
  let n = 0;
  for (let kh = 0; kh < filterHeight; kh++) {
    // Output rows oy whose input row oy·s + kh − top lies inside the image: [oyLo, oyHi).
    const oyLo = Math.min(outHeight, Math.max(0, Math.ceil((top - kh) / strideHeight)));
    const oyHi = Math.max(oyLo, Math.min(outHeight, Math.ceil((inHeight + top - kh) / strideHeight)));
    for (let kw = 0; kw < filterWidth; kw++) {
      // Output columns ox whose input column ox·s + kw − left lies inside the image: [oxLo, oxHi).
      const oxLo = Math.min(outWidth, Math.max(0, Math.ceil((left - kw) / strideWidth)));
      const oxHi = Math.max(oxLo, Math.min(outWidth, Math.ceil((inWidth + left - kw) / strideWidth)));
      if (oxHi === oxLo) continue;
      for (let ci = 0; ci < inChannels; ci++) {
        let column = ((kh * filterWidth + kw) * inChannels + ci) * rows;
        for (let b = first; b < first + images; b++, column += outHeight * outWidth) {
          for (let oy = oyLo; oy < oyHi; oy++) {
            const y = oy * strideHeight - top + kh;
            runs[n++] = column + oy * outWidth + oxLo;
            runs[n++] = (b * inHeight + y) * xRow + (oxLo * strideWidth - left + kw) * inChannels + ci;
            runs[n++] = oxHi - oxLo;
          }
        }
      }
    }
  }
  return { runs: runs.slice(0, n), step: strideWidth * inChannels };
}
