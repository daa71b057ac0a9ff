import * as tf from '@tensorflow/tfjs';
import type { backend_util, Conv2DBackpropFilterAttrs, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { patchRuns } from './patch-runs.js';
import { addInto, columnBufferKernel, copyRange, freeWasm, heapF32, matMulWasm, transposeWasm } from './wasm-ops.js';

type Conv2DInfo = backend_util.Conv2DInfo;

/**
 * The filter gradient of a 2-D convolution on the WASM backend, which ships without one:
 * `dW[kh,kw,ci,co] = Σ x[b, oy·s + kh − pad, ox·s + kw − pad, ci] · dy[b, oy, ox, co]`.
 * Computed as a transposed im2col of `x` (rows `(kh,kw,ci)`, columns `(b,oy,ox)`) and one
 * untransposed matmul `colsᵀ · dy` per chunk of images, which is the backend's fast XNNPACK path
 * (a transposed matmul there is a naive loop, ~40× slower) and gives dW in its own layout.
 * NCHW is transposed to NHWC first.
 */
const kernel = columnBufferKernel(tf.Conv2DBackpropFilter, conv2DBackpropFilter);
/** The kernel function for a column buffer bound (options); `conv2DBackpropFilterWasmConfig` registers it with the default. */
export const { create: createConv2DBackpropFilterWasm, config: conv2DBackpropFilterWasmConfig } = kernel;

function conv2DBackpropFilter(wasm: BackendWasm, inputs: NamedTensorInfoMap, attrs: NamedAttrMap, maxColumnFloats: number): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') {
    const xNhwc = transposeWasm(wasm, x, [0, 2, 3, 1]);
    const dyNhwc = transposeWasm(wasm, dy, [0, 2, 3, 1]);
    try {
      return filterGradNhwc(wasm, xNhwc, dyNhwc, convInfo(xNhwc.shape, filterShape, strides, pad, dimRoundingMode), maxColumnFloats);
    } finally {
      freeWasm(wasm, xNhwc, dyNhwc);
    }
  }
  return filterGradNhwc(wasm, x, dy, convInfo(x.shape, filterShape, strides, pad, dimRoundingMode), maxColumnFloats);
}

function convInfo(
  xShape: number[],
  filterShape: Conv2DBackpropFilterAttrs['filterShape'],
  strides: Conv2DBackpropFilterAttrs['strides'],
  pad: Conv2DBackpropFilterAttrs['pad'],
  dimRoundingMode: Conv2DBackpropFilterAttrs['dimRoundingMode'],
): Conv2DInfo {
  const shape = xShape as [number, number, number, number];
  return tf.backend_util.computeConv2DInfo(shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
}

function filterGradNhwc(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo, maxColumnFloats: number): TensorInfo {
  const { batchSize, outHeight, outWidth, outChannels, filterHeight, filterWidth, inChannels } = info;
  const depth = filterHeight * filterWidth * inChannels;
  const rowsPerImage = outHeight * outWidth;
  const perChunk = Math.max(1, Math.min(batchSize, Math.floor(maxColumnFloats / Math.max(1, rowsPerImage * depth))));
  let sum: TensorInfo | null = null; // dW as [1, kh·kw·ci, co]
  for (let first = 0; first < batchSize && rowsPerImage > 0; first += perChunk) {
    const images = Math.min(perChunk, batchSize - first);
    const rows = images * rowsPerImage;
    const colsT = im2colTransposed(backend, x, info, first, images);
    // dy of the whole batch is already [rows, co] row-major: hand it over under that shape.
    const whole = images === batchSize;
    const dyRows = whole
      ? { dataId: dy.dataId, shape: [1, rows, outChannels], dtype: 'float32' as const }
      : copyRange(backend, dy, first * rowsPerImage * outChannels, rows * outChannels, [1, rows, outChannels]);
    const part = matMulWasm(backend, colsT, dyRows);
    freeWasm(backend, colsT, ...(whole ? [] : [dyRows]));
    sum = sum === null ? part : addInto(backend, sum, part);
  }
  const filterShape = [filterHeight, filterWidth, inChannels, outChannels];
  if (sum === null) {
    const zeros = backend.makeOutput(filterShape, 'float32');
    heapF32(backend, zeros).fill(0);
    return zeros;
  }
  // [1, kh·kw·ci, co] in row-major order is exactly [kh, kw, ci, co]: hand over the data under that shape.
  return { dataId: sum.dataId, shape: filterShape, dtype: 'float32' };
}

/**
 * Patches of `images` images from `first`, transposed: one row per filter tap `(kh,kw,ci)`, one
 * column per output pixel `(b,oy,ox)`, zeros where padding. In this layout the matmul's second
 * operand is dy (`co` wide) rather than the patches (`kh·kw·ci` wide): the backend repacks its
 * second operand on every call, at the cost of many multiply-adds per element, so it must be
 * the smaller one (measured: 16×4096·4096×128 takes 20× longer than 128×4096·4096×16).
 */
function im2colTransposed(backend: BackendWasm, x: TensorInfo, info: Conv2DInfo, first: number, images: number): TensorInfo {
  const { inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const out = backend.makeOutput([1, filterHeight * filterWidth * inChannels, images * outHeight * outWidth], 'float32');
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  dst.fill(0); // padding; one memset is cheaper than filling the short runs of each row
  const { runs, step } = patchRuns(info, first, images);
  for (let r = 0; r < runs.length; r += 3) {
    const column = runs[r] as number;
    const count = runs[r + 2] as number;
    let pixel = runs[r + 1] as number;
    for (let i = 0; i < count; i++, pixel += step) dst[column + i] = src[pixel] as number;
  }
  return out;
}
