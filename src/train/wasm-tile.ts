import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, TensorInfo, TileAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Numbers = Float32Array | Int32Array | Uint8Array;

/**
 * Tile on the WASM backend by block copies. The stock kernel computes the source index of
 * every output element (~250 ns each here), and tfjs' BatchNormalization gradient tiles
 * 1/√(σ²+ε) to the whole activation once per BN layer and pass: 15 % of a 32×32 DCGAN step.
 * Here the innermost run of the input is copied once and every repetition is a doubling
 * `copyWithin` (a memmove) of what is already written.
 */
export const tileWasmConfig: KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { x } = inputs as { x: TensorInfo };
    const { reps } = attrs as unknown as TileAttrs;
    const outShape = x.shape.map((d, i) => d * (reps[i] ?? 1));
    const out = wasm.makeOutput(outShape, x.dtype);
    if (tf.util.sizeFromShape(outShape) > 0) {
      tileInto(wasm.typedArrayFromHeap(x) as Numbers, wasm.typedArrayFromHeap(out) as Numbers, x.shape, reps);
    }
    return out;
  },
};

/** Writes `src` of `shape` tiled `reps` times along each axis into `dst` (row-major). */
export function tileInto(src: Numbers, dst: Numbers, shape: readonly number[], reps: readonly number[]): void {
  const rank = shape.length;
  if (rank === 0) {
    dst.set(src.subarray(0, 1));
    return;
  }
  const inStride = new Array<number>(rank).fill(1);
  const outStride = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) {
    inStride[a] = inStride[a + 1]! * shape[a + 1]!;
    outStride[a] = outStride[a + 1]! * shape[a + 1]! * reps[a + 1]!;
  }
  const fill = (axis: number, s: number, d: number): void => {
    const n = shape[axis]!;
    let block: number;
    if (axis === rank - 1) {
      dst.set(src.subarray(s, s + n), d);
      block = n;
    } else {
      for (let i = 0; i < n; i++) fill(axis + 1, s + i * inStride[axis]!, d + i * outStride[axis]!);
      block = n * outStride[axis]!;
    }
    const total = block * reps[axis]!;
    for (let filled = block; filled < total; ) {
      const count = Math.min(filled, total - filled);
      dst.copyWithin(d + filled, d, d + count);
      filled += count;
    }
  };
  fill(0, 0, 0);
}
