import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/train/backend.js';
import { runKernelConfig } from '../helpers/run-kernel.js';
import { sumWasmConfig } from '../../src/train/wasm-sum.js';

/** Leading axes (the BN and bias gradients' case), inner axes, middle and mixed axes, all axes, negative and unsorted axes. */
const CASES: Array<{ shape: number[]; axis: number | number[] }> = [
  { shape: [4, 3, 3, 5], axis: [0, 1, 2] },
  { shape: [4, 3, 3, 5], axis: [2, 0, 1] },
  { shape: [6, 7], axis: 0 },
  { shape: [6, 7], axis: -1 },
  { shape: [3, 4, 5], axis: 1 },
  { shape: [3, 4, 5], axis: [0, 2] },
  { shape: [3, 4, 5], axis: [0, 1, 2] },
  { shape: [5], axis: 0 },
];

let stock: KernelConfig;
beforeAll(async () => {
  // The backend's own kernel, taken before shardstream's replaces it.
  await import('@tensorflow/tfjs-backend-wasm');
  stock = tf.getKernel(tf.Sum, 'wasm') as KernelConfig;
  await selectBackend('wasm');
});

const run = (kernel: KernelConfig, x: Tensor, axis: number | number[], keepDims: boolean): ReturnType<typeof runKernelConfig> =>
  runKernelConfig(kernel, { x }, { axis, keepDims });

describe('wasm Sum (replacement)', () => {
  it('is the registered kernel', () => {
    expect(tf.getKernel(tf.Sum, 'wasm')?.kernelFunc).toBe(sumWasmConfig.kernelFunc);
  });

  it.each(CASES)('matches the stock wasm kernel within float rounding: $shape over $axis', ({ shape, axis }) => {
    for (const keepDims of [false, true]) {
      const x = tf.randomUniform(shape, -1, 1, 'float32', 3);
      const ours = run(sumWasmConfig, x, axis, keepDims);
      const theirs = run(stock, x, axis, keepDims);
      expect(ours.shape).toEqual(theirs.shape);
      ours.values.forEach((v, i) => expect(v).toBeCloseTo(theirs.values[i]!, 5));
      const ints = tf.tensor(Array.from({ length: x.size }, (_, i) => (i * 7) % 11 - 5), shape, 'int32');
      expect(run(sumWasmConfig, ints, axis, keepDims)).toEqual(run(stock, ints, axis, keepDims));
      tf.dispose([x, ints]);
    }
  });

  it('gives tf.sum the cpu backend values, and leaves no buffer behind', async () => {
    const x = tf.randomUniform([8, 4, 4, 6], -1, 1, 'float32', 9);
    const before = tf.backend().numDataIds();
    run(sumWasmConfig, x, [0, 2], false);
    expect(tf.backend().numDataIds()).toBe(before);
    const values = x.dataSync();
    const wasm = [tf.sum(x, [0, 1, 2]).dataSync(), tf.sum(x, [1, 3]).dataSync()];
    await selectBackend('cpu');
    const xc = tf.tensor(values, x.shape);
    [tf.sum(xc, [0, 1, 2]).dataSync(), tf.sum(xc, [1, 3]).dataSync()].forEach((expected, j) =>
      Array.from(wasm[j]!).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4)),
    );
    await selectBackend('wasm');
  });
});
