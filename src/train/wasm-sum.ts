import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { freeWasm, runWasmKernel } from './wasm-ops.js';

type Numbers = Float32Array | Int32Array;

/**
 * Sum on the WASM backend without the transpose for leading axes. The stock kernel moves the
 * reduced axes innermost with its (slow, generic) Transpose and then sums rows; the gradients of
 * BatchNormalization and of every bias reduce NHWC over [0, 1, 2], i.e. sum the rows of a
 * [pixels, channels] matrix, which is done here in place as column sums. Other axes go through
 * the backend's Transpose as before, then row sums.
 */
export const sumWasmConfig: KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as unknown as SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const [outShape, reduceShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
    const reduceSize = tf.util.sizeFromShape(reduceShape);
    const outSize = tf.util.sizeFromShape(outShape);
    const perm = tf.backend_util.getAxesPermutation(axes, x.shape.length);
    const leading = perm !== null && [...axes].sort((a, b) => a - b).every((a, i) => a === i);
    const transposed = perm !== null && !leading ? runWasmKernel(wasm, 'Transpose', { x }, { perm }) : null;
    const out = wasm.makeOutput(outShape, x.dtype);
    const src = wasm.typedArrayFromHeap(transposed ?? x) as Numbers;
    const dst = wasm.typedArrayFromHeap(out) as Numbers;
    if (leading) {
      dst.fill(0);
      for (let r = 0, base = 0; r < reduceSize; r++, base += outSize) {
        for (let c = 0; c < outSize; c++) dst[c] = (dst[c] as number) + (src[base + c] as number);
      }
    } else {
      for (let o = 0, base = 0; o < outSize; o++, base += reduceSize) {
        let s = 0;
        for (let k = 0; k < reduceSize; k++) s += src[base + k] as number;
        dst[o] = s;
      }
    }
    if (transposed !== null) freeWasm(wasm, transposed);
    if (keepDims) return { ...out, shape: tf.backend_util.expandShapeToKeepDim(outShape, axes) };
    return out;
  },
};
