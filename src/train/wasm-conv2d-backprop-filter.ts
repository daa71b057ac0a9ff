import * as tf from '@tensorflow/tfjs';
import type { backend_util, Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { addInto, copyRange, freeWasm, heapF32, matMulWasm, transposeWasm, DEFAULT_MAX_COLUMN_FLOATS, type ColumnBufferOptions } from './wasm-ops.js';

type Conv2DInfo = backend_util.Conv2DInfo;

/** Options of the kernel factory (the column buffer bound). */
export type Conv2DBackpropFilterWasmOptions = ColumnBufferOptions;

/**
 * The filter gradient of a 2-D convolution on the WASM backend, which ships without one:
 * `dW[kh,kw,ci,co] = Σ x[b, oy·s + kh − pad, ox·s + kw − pad, ci] · dy[b, oy, ox, co]`.
 * Computed as im2col of `x` (rows `(b,oy,ox)`, columns `(kh,kw,ci)`) and one untransposed
 * matmul `dyᵀ · cols` per chunk of images, which is the backend's fast XNNPACK path
 * (a transposed matmul there is a naive loop, ~40× slower). NCHW is transposed to NHWC first.
 */
export function createConv2DBackpropFilterWasm(options: Conv2DBackpropFilterWasmOptions = {}): KernelFunc {
  const maxColumnFloats = options.maxColumnFloats ?? DEFAULT_MAX_COLUMN_FLOATS;
  return ({ inputs, backend, attrs }) => conv2DBackpropFilter(backend as BackendWasm, inputs, attrs ?? {}, maxColumnFloats);
}

/** The kernel registration: {@link createConv2DBackpropFilterWasm} with default options. */
export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: createConv2DBackpropFilterWasm(),
};

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
  let sum: TensorInfo | null = null; // dWᵀ, [1, co, kh·kw·ci]
  for (let first = 0; first < batchSize && rowsPerImage > 0; first += perChunk) {
    const images = Math.min(perChunk, batchSize - first);
    const rows = images * rowsPerImage;
    const cols = im2col(backend, x, info, first, images);
    const dyRows = copyRange(backend, dy, first * rowsPerImage * outChannels, rows * outChannels, [1, rows, outChannels]);
    const dyT = transposeWasm(backend, dyRows, [0, 2, 1]);
    const part = matMulWasm(backend, dyT, cols);
    freeWasm(backend, cols, dyRows, dyT);
    sum = sum === null ? part : addInto(backend, sum, part);
  }
  const filterShape = [filterHeight, filterWidth, inChannels, outChannels];
  if (sum === null) {
    const zeros = backend.makeOutput(filterShape, 'float32');
    heapF32(backend, zeros).fill(0);
    return zeros;
  }
  const dW = transposeWasm(backend, sum, [0, 2, 1]);
  freeWasm(backend, sum);
  // [1, kh·kw·ci, co] in row-major order is exactly [kh, kw, ci, co]: hand over the data under that shape.
  return { dataId: dW.dataId, shape: filterShape, dtype: 'float32' };
}

/** Patches of `images` images from `first`: one row per output pixel, `kh·kw·ci` columns, zeros where padding. */
function im2col(backend: BackendWasm, x: TensorInfo, info: Conv2DInfo, first: number, images: number): TensorInfo {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const rowWidth = filterWidth * inChannels;
  const out = backend.makeOutput([1, images * outHeight * outWidth, filterHeight * rowWidth], 'float32');
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const xRow = inWidth * inChannels;
  let d = 0;
  for (let b = first; b < first + images; b++) {
    const image = b * inHeight * xRow;
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        // The run of filter columns that falls inside the image is contiguous in both x and the patch row.
        const lo = Math.max(0, -x0);
        const hi = Math.min(filterWidth, inWidth - x0);
        for (let kh = 0; kh < filterHeight; kh++, d += rowWidth) {
          const y = y0 + kh;
          if (y < 0 || y >= inHeight || hi <= lo) {
            dst.fill(0, d, d + rowWidth);
            continue;
          }
          if (lo > 0) dst.fill(0, d, d + lo * inChannels);
          const s = image + y * xRow + (x0 + lo) * inChannels;
          dst.set(src.subarray(s, s + (hi - lo) * inChannels), d + lo * inChannels);
          if (hi < filterWidth) dst.fill(0, d + hi * inChannels, d + rowWidth);
        }
      }
    }
  }
  return out;
}
