import * as tf from '@tensorflow/tfjs';
import type { backend_util, Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { copyRange, freeWasm, heapF32, matMulWasm, transposeWasm, DEFAULT_MAX_COLUMN_FLOATS, type ColumnBufferOptions } from './wasm-ops.js';

type Conv2DInfo = backend_util.Conv2DInfo;

/** Options of the kernel factory (the column buffer bound). */
export type Conv2DBackpropInputWasmOptions = ColumnBufferOptions;

/**
 * The input gradient of a 2-D convolution, which is also the forward pass of a transposed
 * convolution (the generator's every layer). The WASM backend has one, but as a naive loop at
 * about 1 GFLOP/s, ~15× slower than its Conv2D. This one is the exact inverse of im2col:
 * `cols = dy · Wᵀ` (rows `(b,oy,ox)`, columns `(kh,kw,ci)`, one untransposed XNNPACK matmul per
 * chunk of images), then col2im adds each row's patch back into `dx`. NCHW goes through NHWC.
 */
export function createConv2DBackpropInputWasm(options: Conv2DBackpropInputWasmOptions = {}): KernelFunc {
  const maxColumnFloats = options.maxColumnFloats ?? DEFAULT_MAX_COLUMN_FLOATS;
  return ({ inputs, backend, attrs }) => conv2DBackpropInput(backend as BackendWasm, inputs, attrs ?? {}, maxColumnFloats);
}

/** The kernel registration: {@link createConv2DBackpropInputWasm} with default options. */
export const conv2DBackpropInputWasmConfig: KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: createConv2DBackpropInputWasm(),
};

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
  // W is [kh, kw, ci, co] = [depth, co] row-major; the matmul wants Wᵀ = [co, depth].
  const filterT = transposeWasm(backend, { dataId: filter.dataId, shape: [1, depth, outChannels], dtype: 'float32' }, [0, 2, 1]);
  const dx = backend.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
  heapF32(backend, dx).fill(0);
  for (let first = 0; first < batchSize && rowsPerImage > 0; first += perChunk) {
    const images = Math.min(perChunk, batchSize - first);
    const rows = images * rowsPerImage;
    const dyRows = copyRange(backend, dy, first * rowsPerImage * outChannels, rows * outChannels, [1, rows, outChannels]);
    const cols = matMulWasm(backend, dyRows, filterT);
    col2im(backend, cols, dx, info, first, images);
    freeWasm(backend, dyRows, cols);
  }
  freeWasm(backend, filterT);
  return dx;
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
