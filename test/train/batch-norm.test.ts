import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/train/backend.js';
import { BATCH_NORM_KERNEL } from '../../src/train/batch-norm-kernel.js';
import { fusedBatchNorm, hasFusedBatchNorm } from '../../src/train/batch-norm-training.js';

const SHAPE = [6, 3, 4, 5];

/** A BN layer (momentum 0.9, ε 1e-3) with non-trivial γ, β and moving statistics. */
function layer(): tf.layers.Layer {
  const bn = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
  bn.build(SHAPE);
  bn.setWeights([0, 1, 2, 3].map((k) => tf.randomUniform([5], k === 3 ? 0.5 : -1, k === 3 ? 2 : 1, 'float32', 10 + k)));
  return bn;
}

interface Result {
  y: number[];
  moving: number[][];
  grads: number[][];
}

/** y, the moving statistics after, and d/d(x, γ, β) of Σ y·w, by `apply` (the layer or ours). */
function run(apply: (l: tf.layers.Layer, x: Tensor) => Tensor, x: Tensor, w: Tensor): Result {
  const bn = layer();
  const [gamma, beta] = bn.trainableWeights.map((v) => v.read() as tf.Variable);
  const y = Array.from(apply(bn, x).dataSync());
  const moving = bn.nonTrainableWeights.map((v) => Array.from(v.read().dataSync()));
  const f = (xv: Tensor): tf.Scalar => tf.sum(tf.mul(apply(bn, xv), w));
  const { grads } = tf.variableGrads(() => f(x), [gamma!, beta!]);
  const dx = tf.grad(f)(x);
  return { y, moving, grads: [dx, grads[gamma!.name]!, grads[beta!.name]!].map((g) => Array.from(g.dataSync())) };
}

const stock = (l: tf.layers.Layer, x: Tensor): Tensor => l.apply(x, { training: true }) as Tensor;

function expectClose(a: Result, b: Result, digits: number): void {
  for (const key of ['y', 'moving', 'grads'] as const) {
    const [fa, fb] = [a[key].flat(), b[key].flat()];
    expect(fa.length).toBe(fb.length);
    fa.forEach((v, i) => expect(v).toBeCloseTo(fb[i]!, digits));
  }
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('fusedBatchNorm (one kernel forward, one backward)', () => {
  it('is available on wasm and not on cpu', async () => {
    expect(hasFusedBatchNorm()).toBe(true);
    await selectBackend('cpu');
    expect(hasFusedBatchNorm()).toBe(false);
    await selectBackend('wasm');
  });

  it('gives the layer’s values, moving statistics and gradients on wasm and on cpu', async () => {
    const x = tf.randomUniform(SHAPE, -2, 3, 'float32', 1);
    const w = tf.randomUniform(SHAPE, -1, 1, 'float32', 2);
    const ours = run(fusedBatchNorm, x, w);
    expectClose(ours, run(stock, x, w), 4);
    const [xv, wv] = [x.dataSync(), w.dataSync()];
    await selectBackend('cpu');
    expectClose(ours, run(stock, tf.tensor(xv, SHAPE), tf.tensor(wv, SHAPE)), 4);
    await selectBackend('wasm');
  });

  it('differentiates its mean and variance outputs too (as tf.moments does)', async () => {
    const x = tf.randomUniform([8, 3], -1, 2, 'float32', 3);
    const [gamma, beta, w, a, b] = [[3], [3], [8, 3], [3], [3]].map((shape, k) => tf.randomUniform(shape, -1, 1, 'float32', 20 + k));
    const loss = (y: Tensor, mean: Tensor, variance: Tensor): tf.Scalar => tf.addN([tf.sum(tf.mul(y, w!)), tf.sum(tf.mul(mean, a!)), tf.sum(tf.mul(variance, b!))]) as tf.Scalar;
    const ours = tf.grads((xv: Tensor, g: Tensor, bt: Tensor) => {
      const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_KERNEL, { x: xv, gamma: g, beta: bt }, { epsilon: 1e-3 } as unknown as NamedAttrMap) as Tensor[];
      return loss(y!, mean!, variance!);
    })([x, gamma!, beta!]).map((g) => Array.from(g.dataSync()));
    const values = [x, gamma!, beta!, w!, a!, b!].map((t) => ({ v: t.dataSync(), s: t.shape }));
    await selectBackend('cpu');
    const [xc, gc, bc, wc, ac, bb] = values.map((t) => tf.tensor(t.v, t.s));
    const reference = tf.grads((xv: Tensor, g: Tensor, bt: Tensor) => {
      const { mean, variance } = tf.moments(xv, [0]);
      const y = tf.batchNorm(xv, mean, variance, bt, g, 1e-3);
      return tf.addN([tf.sum(tf.mul(y, wc!)), tf.sum(tf.mul(mean, ac!)), tf.sum(tf.mul(variance, bb!))]) as tf.Scalar;
    })([xc!, gc!, bc!]).map((g) => Array.from(g.dataSync()));
    await selectBackend('wasm');
    ours.forEach((g, j) => g.forEach((v, i) => expect(v).toBeCloseTo(reference[j]![i]!, 4)));
  });

  it('computes only the gradients the tape asks for and leaves no tensor behind', () => {
    const bn = layer();
    const x = tf.randomUniform(SHAPE, -1, 1, 'float32', 4);
    const before = tf.memory().numTensors;
    const dx = tf.grad((xv: Tensor) => tf.sum(fusedBatchNorm(bn, xv)))(x);
    // Σ y has zero gradient in x (y is normalized per channel); γ, β were not asked for.
    Array.from(dx.dataSync()).forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-4));
    dx.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
