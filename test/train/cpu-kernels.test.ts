import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CPU_TRAINING_KERNELS, registerCpuTrainingKernels } from '../../src/train/cpu-kernels.js';

// The stock kernel, taken before ours replaces it.
const stock = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
}

const CASES: Case[] = [
  { x: [2, 8, 8, 3], filter: [4, 4, 3, 5], strides: 2, pad: 'same' },
  { x: [3, 9, 7, 4], filter: [3, 3, 4, 6], strides: 1, pad: 'valid' },
  { x: [2, 5, 6, 3], filter: [3, 2, 3, 4], strides: [2, 1], pad: 'same' },
  { x: [2, 6, 6, 3], filter: [3, 3, 3, 4], strides: 2, pad: 1 },
];

function filterGrad(kernel: KernelConfig, c: Case, dataFormat: 'NHWC' | 'NCHW'): Float32Array {
  return tf.tidy(() => {
    const y = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad);
    let x = tf.randomUniform(c.x, -1, 1, 'float32', 1);
    let dy = tf.randomUniform(y.shape, -1, 1, 'float32', 2);
    if (dataFormat === 'NCHW') {
      x = tf.transpose(x, [0, 3, 1, 2]);
      dy = tf.transpose(dy, [0, 3, 1, 2]);
    }
    const attrs = { strides: c.strides, pad: c.pad, dataFormat, filterShape: c.filter } as unknown as NamedAttrMap;
    const info = kernel.kernelFunc({ inputs: { x, dy }, backend: tf.backend(), attrs });
    return tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo).dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerCpuTrainingKernels();
});

describe('cpu Conv2DBackpropFilter (replacement)', () => {
  it.each(CASES.map((c, i) => [i, c] as const))('equals the stock kernel bit for bit (case %i)', (_, c) => {
    const ours = CPU_TRAINING_KERNELS[0]?.config as KernelConfig;
    expect(filterGrad(ours, c, 'NHWC')).toEqual(filterGrad(stock, c, 'NHWC'));
    expect(filterGrad(ours, c, 'NCHW')).toEqual(filterGrad(stock, c, 'NCHW'));
  });

  it('is the registered kernel, once', () => {
    const registered = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');
    expect(registered.kernelFunc).toBe(CPU_TRAINING_KERNELS[0]?.config.kernelFunc);
    expect(registerCpuTrainingKernels()).toEqual([]);
    const g = tf.grad((w: Tensor) => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid')))(tf.zeros([2, 2, 1, 1]));
    expect(Array.from(g.dataSync())).toEqual([9, 9, 9, 9]);
  });
});
