import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/train/backend.js';
import { runKernelConfig } from '../helpers/run-kernel.js';
import { tileWasmConfig } from '../../src/train/wasm-tile.js';

/** Shapes and reps: BatchNormalization's gradient case, leading, trailing and middle reps, ones, a zero, rank 1 and 0. */
const CASES: Array<{ shape: number[]; reps: number[] }> = [
  { shape: [1, 1, 1, 8], reps: [4, 3, 5, 1] },
  { shape: [2, 3, 4], reps: [1, 1, 1] },
  { shape: [2, 3, 4], reps: [3, 2, 2] },
  { shape: [3, 1, 2], reps: [1, 4, 1] },
  { shape: [5, 2], reps: [1, 3] },
  { shape: [7], reps: [3] },
  { shape: [2, 2], reps: [0, 2] },
  { shape: [], reps: [] },
];

let stock: KernelConfig;
beforeAll(async () => {
  // The backend's own kernel, taken before shardstream's replaces it.
  await import('@tensorflow/tfjs-backend-wasm');
  stock = tf.getKernel(tf.Tile, 'wasm') as KernelConfig;
  await selectBackend('wasm');
});

const run = (kernel: KernelConfig, x: Tensor, reps: number[]): ReturnType<typeof runKernelConfig> => runKernelConfig(kernel, { x }, { reps });

describe('wasm Tile (replacement)', () => {
  it('is the registered kernel', () => {
    expect(tf.getKernel(tf.Tile, 'wasm')?.kernelFunc).toBe(tileWasmConfig.kernelFunc);
    expect(stock.kernelFunc).not.toBe(tileWasmConfig.kernelFunc);
  });

  it.each(CASES)('matches the stock wasm kernel for float32, int32 and bool: $shape × $reps', ({ shape, reps }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    for (const x of [
      tf.tensor(Array.from({ length: size }, (_, i) => i * 0.5 - 3), shape, 'float32'),
      tf.tensor(Array.from({ length: size }, (_, i) => i * 7 - 11), shape, 'int32'),
      tf.tensor(Array.from({ length: size }, (_, i) => i % 3 === 0), shape, 'bool'),
    ]) {
      const ours = run(tileWasmConfig, x, reps);
      expect(ours).toEqual(run(stock, x, reps));
      expect(ours.shape).toEqual(shape.map((d, i) => d * reps[i]!));
      x.dispose();
    }
  });

  it('gives tf.tile and its gradient the cpu backend values', async () => {
    const x = tf.randomUniform([2, 1, 3, 4], -1, 1, 'float32', 5);
    const dy = tf.randomUniform([4, 3, 3, 8], -1, 1, 'float32', 6);
    const values = x.dataSync();
    const f = (v: Tensor): Tensor => tf.sum(tf.mul(tf.tile(v, [2, 3, 1, 2]), dy));
    const wasm = { y: tf.tile(x, [2, 3, 1, 2]).dataSync(), g: tf.grad(f)(x).dataSync() };
    await selectBackend('cpu');
    const xc = tf.tensor(values, x.shape);
    const dyc = tf.tensor(dy.dataSync(), dy.shape);
    const fc = (v: Tensor): Tensor => tf.sum(tf.mul(tf.tile(v, [2, 3, 1, 2]), dyc));
    expect(Array.from(wasm.y)).toEqual(Array.from(tf.tile(xc, [2, 3, 1, 2]).dataSync()));
    const gc = tf.grad(fc)(xc).dataSync();
    Array.from(wasm.g).forEach((v, i) => expect(v).toBeCloseTo(gc[i]!, 5));
    await selectBackend('wasm');
  });

  it('frees nothing it should keep and keeps nothing it should free', () => {
    const x = tf.ones([2, 3]);
    const before = tf.backend().numDataIds();
    run(tileWasmConfig, x, [2, 2]);
    expect(tf.backend().numDataIds()).toBe(before);
    x.dispose();
  });
});
