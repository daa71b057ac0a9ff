import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/train/backend.js';
import { identityWasmConfig } from '../../src/train/wasm-identity.js';
import { runKernelConfig } from '../helpers/run-kernel.js';

let stock: KernelConfig;
beforeAll(async () => {
  // The backend's own kernel, taken before shardstream's replaces it.
  await import('@tensorflow/tfjs-backend-wasm');
  stock = tf.getKernel(tf.Identity, 'wasm') as KernelConfig;
  await selectBackend('wasm');
});

describe('wasm Identity (replacement)', () => {
  it('is the registered kernel', () => {
    expect(tf.getKernel(tf.Identity, 'wasm')?.kernelFunc).toBe(identityWasmConfig.kernelFunc);
    expect(stock.kernelFunc).not.toBe(identityWasmConfig.kernelFunc);
  });

  it('matches the stock kernel for float32, int32 and bool', () => {
    for (const x of [tf.tensor([[1.5, -2], [3, 0.25]]), tf.tensor([7, -11, 3], [3], 'int32'), tf.tensor([true, false], [2], 'bool')]) {
      expect(runKernelConfig(identityWasmConfig, { x }, {})).toEqual(runKernelConfig(stock, { x }, {}));
      x.dispose();
    }
  });

  it('gives clones that outlive their source and free the memory with the last of them', () => {
    const before = tf.backend().numDataIds();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const copy = tf.clone(x);
    const kept = tf.clone(copy);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3, 4]);
    copy.dispose();
    expect(Array.from(kept.dataSync())).toEqual([1, 2, 3, 4]);
    expect(tf.backend().numDataIds()).toBe(before + 1);
    kept.dispose();
    expect(tf.backend().numDataIds()).toBe(before);
  });

  it('gives the gradients of a custom-gradient op (which clones what it saves) the cpu backend values', async () => {
    const x = tf.randomUniform([2, 5, 5, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, 3, 4], -1, 1, 'float32', 2) as tf.Tensor4D;
    const b = tf.randomUniform([4], -1, 1, 'float32', 3);
    const loss = (xv: tf.Tensor4D, wv: tf.Tensor4D, bv: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.fused.conv2d({ x: xv, filter: wv, bias: bv, strides: 1, pad: 'same', activation: 'relu' })));
    const grads = (xv: tf.Tensor4D, wv: tf.Tensor4D, bv: tf.Tensor): Float32Array[] =>
      tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => loss(a as tf.Tensor4D, c as tf.Tensor4D, d))([xv, wv, bv]).map((g) => g.dataSync() as Float32Array);
    const onWasm = grads(x, w, b);
    const inputs = [x, w, b].map((t) => ({ values: t.dataSync(), shape: t.shape }));
    await selectBackend('cpu');
    const [xc, wc, bc] = inputs.map((t) => tf.tensor(t.values, t.shape));
    const onCpu = grads(xc as tf.Tensor4D, wc as tf.Tensor4D, bc as tf.Tensor);
    onCpu.forEach((g, j) => Array.from(g).forEach((v, i) => expect(onWasm[j]![i]).toBeCloseTo(v, 3)));
    await selectBackend('wasm');
  });
});
