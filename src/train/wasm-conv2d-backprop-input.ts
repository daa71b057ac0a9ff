import * as tf from '@tensorflow/tfjs';
import type { backend_util, Conv2DBackpropInputAttrs, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { patchRuns } from './patch-runs.js';
import { columnBufferKernel, copyRange, freeWasm, heapF32, matMulWasm, transposeWasm } from './wasm-ops.js';

type Conv2DInfo = backend_util.Conv2DInfo;

/** Take colsᵀ = W · dyᵀ when Wᵀ has this many times more elements than dyᵀ and colsᵀ together (see inputGradNhwc). */
const TRANSPOSED_ABOVE = 2.5;

/** Which matmul {@link createConv2DBackpropInputWasm} runs for `co` output channels, `depth` taps and `rows` patch rows a chunk. */
export function columnLayout(co: number, depth: number, rows: number): 'cols' | 'colsT' {
  return co * depth > TRANSPOSED_ABOVE * rows * (co + depth) ? 'colsT' : 'cols';
}

/**
 * The input gradient of a 2-D convolution, which is also the forward pass of a transposed
 * convolution (the generator's every layer). The WASM backend has one, but as a naive loop at
 * about 1 GFLOP/s, ~15× slower than its Conv2D. This one is the exact inverse of im2col:
 * `cols = dy · Wᵀ` (rows `(b,oy,ox)`, columns `(kh,kw,ci)`, one untransposed XNNPACK matmul per
 * chunk of images), then col2im adds each row's patch back into `dx`. NCHW goes through NHWC.
 */
const kernel = columnBufferKernel(tf.Conv2DBackpropInput, conv2DBackpropInput);
/** The kernel function for a column buffer bound (options); `conv2DBackpropInputWasmConfig` registers it with the default. */
export const { create: createConv2DBackpropInputWasm, config: conv2DBackpropInputWasmConfig } = kernel;

function conv2DBackpropInput(wasm: BackendWasm, inputs: NamedTensorInfoMap, attrs: NamedAttrMap, maxColumnFloats: number): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
  const nchw = dataFormat === 'NCHW';
  const [n, d1, d2, d3] = inputShape;
  const shape: [number, number, number, number] = nchw ? [n, d2, d3, d1] : [n, d1, d2, d3];
  const info = tf.backend_util.computeConv2DInfo(shape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  if (!nchw) return inputGradNhwc(wasm, dy, filter, info, maxColumnFloats);
  const dyNhwc = transposeWasm(wasm, dy, [0, 2, 3, 1]);
  const dxNhwc = inputGradNhwc(wasm, dyNhwc, filter, info, maxColumnFloats);
  const dx = transposeWasm(wasm, dxNhwc, [0, 3, 1, 2]);
  freeWasm(wasm, dyNhwc, dxNhwc);
  return dx;
}

function inputGradNhwc(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: Conv2DInfo, maxColumnFloats: number): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const depth = filterHeight * filterWidth * inChannels;
  const rowsPerImage = outHeight * outWidth;
  const perChunk = Math.max(1, Math.min(batchSize, Math.floor(maxColumnFloats / Math.max(1, rowsPerImage * depth))));
  // The backend repacks a matmul's second operand on every call (~30 multiply-adds' time per
  // element), so it must not be the big one: Wᵀ [co, depth] in cols = dy · Wᵀ, or dyᵀ [co, rows]
  // in colsᵀ = W · dyᵀ (W [depth, co] as it is), whose col2im adds strided runs, dearer per
  // element. Measured on the generator's first layers: Wᵀ of 100 × 1,024 against 64 rows is
  // faster as cols (ratio 1.4), at 64×64 100 × 16,384 against 16 rows (ratio 6) and 1,024 × 8,192
  // against 256 rows (ratio 3.6) are 3× and 2.3× faster as colsᵀ.
  const transposed = columnLayout(outChannels, depth, perChunk * rowsPerImage) === 'colsT';
  const weights = { dataId: filter.dataId, shape: [1, depth, outChannels], dtype: 'float32' as const };
  const filterT = transposed ? null : transposeWasm(backend, weights, [0, 2, 1]);
  const dx = backend.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
  heapF32(backend, dx).fill(0);
  for (let first = 0; first < batchSize && rowsPerImage > 0; first += perChunk) {
    const images = Math.min(perChunk, batchSize - first);
    const rows = images * rowsPerImage;
    const dyRows = copyRange(backend, dy, first * rowsPerImage * outChannels, rows * outChannels, [1, rows, outChannels]);
    if (filterT !== null) {
      const cols = matMulWasm(backend, dyRows, filterT);
      col2im(backend, cols, dx, info, first, images);
      freeWasm(backend, dyRows, cols);
    } else {
      const dyT = transposeWasm(backend, dyRows, [0, 2, 1]);
      const colsT = matMulWasm(backend, weights, dyT);
      col2imTransposed(backend, colsT, dx, info, first, images);
      freeWasm(backend, dyRows, dyT, colsT);
    }
  }
  if (filterT !== null) freeWasm(backend, filterT);
  return dx;
}

/** Adds each column of `colsT` (rows `(kh,kw,ci)`, columns `(b,oy,ox)`) back into `dx` where the patch lies inside the image. */
function col2imTransposed(backend: BackendWasm, colsT: TensorInfo, dx: TensorInfo, info: Conv2DInfo, first: number, images: number): void {
  const src = heapF32(backend, colsT);
  const dst = heapF32(backend, dx);
  const { runs, step } = patchRuns(info, first, images);
  for (let r = 0; r < runs.length; r += 3) {
    const column = runs[r] as number;
    const count = runs[r + 2] as number;
    let pixel = runs[r + 1] as number;
    for (let i = 0; i < count; i++, pixel += step) dst[pixel] = (dst[pixel] as number) + (src[column + i] as number);
  }
}

/** Adds each row of `cols` (one output pixel's patch, `kh·kw·ci` wide) back into `dx` where the patch lies inside the image. */
function col2im(backend: BackendWasm, cols: TensorInfo, dx: TensorInfo, info: Conv2DInfo, first: number, images: number): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const rowWidth = filterWidth * inChannels;
  const src = heapF32(backend, cols);
  const dst = heapF32(backend, dx);
  const xRow = inWidth * inChannels;
  let c = 0;
  for (let b = first; b < first + images; b++) {
    const image = b * inHeight * xRow;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        const lo = Math.max(0, -x0);
        const hi = Math.min(filterWidth, inWidth - x0);
        for (let kh = 0; kh < filterHeight; kh++, c += rowWidth) {
          const y = y0 + kh;
          if (y < 0 || y >= inHeight || hi <= lo) continue;
          const s = c + lo * inChannels;
          const d = image + y * xRow + (x0 + lo) * inChannels;
          const count = (hi - lo) * inChannels;
          for (let j = 0; j < count; j++) dst[d + j] = (dst[d + j] as number) + (src[s + j] as number);
        }
      }
    }
  }
}
