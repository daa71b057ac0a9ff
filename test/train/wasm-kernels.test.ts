import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/train/backend.js';
import { createConv2DBackpropFilterWasm } from '../../src/train/wasm-conv2d-backprop-filter.js';
import { columnLayout, createConv2DBackpropInputWasm } from '../../src/train/wasm-conv2d-backprop-input.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../src/train/wasm-kernels.js';

type Pad = 'same' | 'valid' | number;
interface Case {
  x: [number, number, number, number]; // NHWC
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], filter: [4, 4, 3, 5], strides: 2, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [4, 4, 3, 5], strides: 1, pad: 'same' },
  { x: [3, 9, 7, 4], filter: [3, 3, 4, 6], strides: 2, pad: 'valid' },
  { x: [1, 7, 7, 2], filter: [4, 4, 2, 3], strides: 1, pad: 'valid' },
  { x: [2, 5, 6, 3], filter: [3, 2, 3, 4], strides: [2, 1], pad: 'same' },
  { x: [4, 4, 4, 8], filter: [4, 4, 8, 2], strides: 1, pad: 'valid' }, // the discriminator's last conv: 1×1 out
  { x: [2, 9, 9, 5], filter: [5, 5, 5, 7], strides: 3, pad: 'same' },
  { x: [2, 6, 6, 3], filter: [3, 3, 3, 4], strides: 2, pad: 1 },
  // The generator's first two layers in shape: few patch rows and many taps, which the input gradient does as colsᵀ = W · dyᵀ.
  { x: [2, 4, 4, 32], filter: [4, 4, 32, 40], strides: 1, pad: 'valid' },
  { x: [2, 8, 8, 64], filter: [4, 4, 64, 96], strides: 2, pad: 'same' },
];

/** Deterministic values in [-1, 1). */
function values(shape: number[], seed: number): Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

function outShape(c: Case): number[] {
  const y = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad);
  const shape = y.shape;
  y.dispose();
  return shape;
}

/** The filter gradient through the public API: d/dW Σ conv2d(x, W) · dy. */
function filterGradient(c: Case, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = values(c.x, seed) as tf.Tensor4D;
    const dy = values(outShape(c), seed + 1);
    const w = values(c.filter, seed + 2) as tf.Tensor4D;
    const g = tf.grad((f: Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.strides, c.pad), dy)))(w);
    return g.dataSync() as Float32Array;
  });
}

/** The input gradient through the public API: d/dx Σ conv2d(x, W) · dy. */
function inputGradient(c: Case, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = values(c.x, seed) as tf.Tensor4D;
    const dy = values(outShape(c), seed + 1);
    const w = values(c.filter, seed + 2) as tf.Tensor4D;
    const g = tf.grad((v: Tensor) => tf.sum(tf.mul(tf.conv2d(v as tf.Tensor4D, w, c.strides, c.pad), dy)))(x);
    return g.dataSync() as Float32Array;
  });
}

/** A transposed convolution (the generator's layer) through the public API. */
function transposedConv(c: Case, seed: number): Float32Array {
  return tf.tidy(() => {
    const dy = values(outShape(c), seed + 1) as tf.Tensor4D;
    const w = values(c.filter, seed + 2) as tf.Tensor4D;
    return tf.conv2dTranspose(dy, w, c.x, c.strides, c.pad).dataSync() as Float32Array;
  });
}

function runInputKernel(c: Case, seed: number, dataFormat: 'NHWC' | 'NCHW'): Float32Array {
  return tf.tidy(() => {
    let dy = values(outShape(c), seed + 1);
    const filter = values(c.filter, seed + 2);
    const [n, h, w, ch] = c.x;
    if (dataFormat === 'NCHW') dy = tf.transpose(dy, [0, 3, 1, 2]);
    const inputShape = dataFormat === 'NCHW' ? [n, ch, h, w] : c.x;
    const attrs = { strides: c.strides, pad: c.pad, dataFormat, inputShape } as unknown as NamedAttrMap;
    let out = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, attrs) as Tensor;
    if (dataFormat === 'NCHW') out = tf.transpose(out, [0, 2, 3, 1]);
    return out.dataSync() as Float32Array;
  });
}

function runFilterKernel(c: Case, seed: number, dataFormat: 'NHWC' | 'NCHW'): Float32Array {
  return tf.tidy(() => {
    let x = values(c.x, seed);
    let dy = values(outShape(c), seed + 1);
    if (dataFormat === 'NCHW') {
      x = tf.transpose(x, [0, 3, 1, 2]);
      dy = tf.transpose(dy, [0, 3, 1, 2]);
    }
    const attrs = { strides: c.strides, pad: c.pad, dataFormat, filterShape: c.filter } as unknown as NamedAttrMap;
    const out = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs) as Tensor;
    return out.dataSync() as Float32Array;
  });
}

async function onBackend<T>(name: string, f: () => T): Promise<T> {
  await tf.setBackend(name);
  return f();
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
    worst = Math.max(worst, Math.abs((actual[i] ?? NaN) - (expected[i] ?? 0)));
  }
  expect(scale).toBeGreaterThan(0);
  expect(worst / scale).toBeLessThan(1e-4);
}

beforeAll(async () => {
  const selected = await selectBackend('wasm');
  expect(selected.name).toBe('wasm');
});

describe('wasm Conv2DBackpropFilter', () => {
  it.each(CASES.map((c, i) => [i, c] as const))('matches the cpu backend through tf.grad (case %i)', async (i, c) => {
    const expected = await onBackend('cpu', () => filterGradient(c, 100 + i));
    const actual = await onBackend('wasm', () => filterGradient(c, 100 + i));
    expectClose(actual, expected);
  });

  it('matches the cpu backend for NCHW data', async () => {
    const c = CASES[2] as Case;
    const expected = await onBackend('cpu', () => runFilterKernel(c, 7, 'NHWC'));
    const actual = await onBackend('wasm', () => runFilterKernel(c, 7, 'NCHW'));
    expectClose(actual, expected);
  });

  it('gives the same result when the batch is reduced in chunks', async () => {
    const c: Case = { x: [5, 8, 8, 3], filter: [4, 4, 3, 4], strides: 2, pad: 'same' };
    const expected = await onBackend('cpu', () => runFilterKernel(c, 11, 'NHWC'));
    await tf.setBackend('wasm');
    // 16 rows of 48 columns per image: a limit of 2 images per chunk gives chunks of 2, 2 and 1.
    const kernel = createConv2DBackpropFilterWasm({ maxColumnFloats: 2 * 16 * 48 });
    const actual = tf.tidy(() => {
      const x = values(c.x, 11);
      const dy = values(outShape(c), 12);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as unknown as NamedAttrMap;
      const info = kernel({ inputs: { x, dy }, backend: tf.backend(), attrs }) as TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info).dataSync() as Float32Array;
    });
    expectClose(actual, expected);
  });

  it('frees its intermediate buffers', async () => {
    await tf.setBackend('wasm');
    const c = CASES[0] as Case;
    runFilterKernel(c, 1, 'NHWC'); // warm up
    const before = tf.backend().numDataIds();
    runFilterKernel(c, 1, 'NHWC');
    expect(tf.backend().numDataIds()).toBe(before);
  });
});

describe('wasm Conv2DBackpropInput (replacement)', () => {
  it('takes both matmul layouts among the cases', () => {
    const layouts = CASES.map((c) => {
      const out = outShape(c);
      return columnLayout(c.filter[3], c.filter[0] * c.filter[1] * c.filter[2], (out[0] ?? 0) * (out[1] ?? 0) * (out[2] ?? 0));
    });
    expect(layouts.slice(-2)).toEqual(['colsT', 'colsT']);
    expect(layouts.slice(0, -2).every((l) => l === 'cols')).toBe(true);
  });

  it.each(CASES.map((c, i) => [i, c] as const))('matches the cpu backend through tf.grad (case %i)', async (i, c) => {
    const expected = await onBackend('cpu', () => inputGradient(c, 200 + i));
    const actual = await onBackend('wasm', () => inputGradient(c, 200 + i));
    expectClose(actual, expected);
  });

  it.each(CASES.map((c, i) => [i, c] as const))('matches the cpu backend for conv2dTranspose (case %i)', async (i, c) => {
    const expected = await onBackend('cpu', () => transposedConv(c, 300 + i));
    const actual = await onBackend('wasm', () => transposedConv(c, 300 + i));
    expectClose(actual, expected);
  });

  it('matches the cpu backend for NCHW data', async () => {
    const c = CASES[4] as Case;
    const expected = await onBackend('cpu', () => runInputKernel(c, 9, 'NHWC'));
    const actual = await onBackend('wasm', () => runInputKernel(c, 9, 'NCHW'));
    expectClose(actual, expected);
  });

  it.each([
    // 16 rows of 48 columns per image: a limit of 2 images per chunk gives chunks of 2, 2 and 1.
    { layout: 'cols', c: { x: [5, 8, 8, 3], filter: [4, 4, 3, 4], strides: 2, pad: 'same' } as Case, maxColumnFloats: 2 * 16 * 48 },
    // One row of 512 columns per image, in chunks of 2, 2 and 1.
    { layout: 'colsT', c: { x: [5, 4, 4, 32], filter: [4, 4, 32, 40], strides: 1, pad: 'valid' } as Case, maxColumnFloats: 2 * 512 },
  ])('gives the same result when the batch is done in chunks ($layout)', async ({ c, maxColumnFloats }) => {
    const expected = await onBackend('cpu', () => runInputKernel(c, 13, 'NHWC'));
    await tf.setBackend('wasm');
    const kernel = createConv2DBackpropInputWasm({ maxColumnFloats });
    const actual = tf.tidy(() => {
      const dy = values(outShape(c), 14);
      const filter = values(c.filter, 15);
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as NamedAttrMap;
      const info = kernel({ inputs: { dy, filter }, backend: tf.backend(), attrs }) as TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info).dataSync() as Float32Array;
    });
    expectClose(actual, expected);
  });

  it.each([0, CASES.length - 1])('frees its intermediate buffers (case %i)', async (i) => {
    await tf.setBackend('wasm');
    const c = CASES[i] as Case;
    runInputKernel(c, 1, 'NHWC');
    const before = tf.backend().numDataIds();
    runInputKernel(c, 1, 'NHWC');
    expect(tf.backend().numDataIds()).toBe(before);
  });
});

describe('registerWasmTrainingKernels', () => {
  it('is idempotent', () => {
    const registered = WASM_TRAINING_KERNELS.map((k) => tf.getKernel(k.config.kernelName, 'wasm') as KernelConfig | undefined);
    WASM_TRAINING_KERNELS.forEach((k, i) => expect(registered[i]?.kernelFunc).toBe(k.config.kernelFunc));
    expect(registerWasmTrainingKernels()).toEqual([]);
    expect(registerWasmTrainingKernels()).toEqual([]);
    WASM_TRAINING_KERNELS.forEach((k, i) => expect(tf.getKernel(k.config.kernelName, 'wasm')).toBe(registered[i]));
  });

  it('leaves every kernel a DCGAN step needs available on wasm', () => {
    for (const name of [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.FusedBatchNorm, tf.LeakyRelu, tf.Sigmoid]) {
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
    }
  });
});
