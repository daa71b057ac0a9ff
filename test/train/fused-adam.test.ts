import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/train/backend.js';
import { ADAM_KERNEL } from '../../src/train/adam-kernel.js';
import { FusedAdamOptimizer } from '../../src/train/fused-adam.js';

/** Three variables (one never gets a gradient), `steps` Adam steps on a fixed quadratic loss; the values and the optimizer's weights after. */
async function train(optimizer: tf.AdamOptimizer, steps: number): Promise<{ values: number[][]; weights: Array<{ name: string; values: number[] }> }> {
  const vars = [tf.variable(tf.randomUniform([4, 3], -1, 1, 'float32', 1)), tf.variable(tf.randomUniform([3], -1, 1, 'float32', 2)), tf.variable(tf.scalar(0.5))];
  const target = tf.randomUniform([4, 3], -2, 2, 'float32', 3);
  for (let k = 0; k < steps; k++) {
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(tf.add(tf.mul(vars[0]!, 1.5), vars[1]!), target))) as tf.Scalar, [vars[0]!, vars[1]!]);
    optimizer.applyGradients([0, 1].map((i) => ({ name: vars[i]!.name, tensor: grads[vars[i]!.name]! })));
    tf.dispose(Object.values(grads));
  }
  const weights = await optimizer.getWeights();
  const result = {
    values: vars.map((v) => Array.from(v.dataSync())),
    weights: await Promise.all(weights.map(async (w) => ({ name: w.name.replace(/^.*\//, ''), values: Array.from(await w.tensor.data()) }))),
  };
  tf.dispose([...vars, target, weights[0]!.tensor]);
  return result;
}

const fused = (): FusedAdamOptimizer => new FusedAdamOptimizer(0.01, 0.5, 0.999, 1e-7);
const stock = (): tf.AdamOptimizer => tf.train.adam(0.01, 0.5, 0.999, 1e-7);

beforeAll(async () => {
  await selectBackend('wasm');
});
afterAll(async () => {
  await selectBackend('wasm');
});

describe('FusedAdamOptimizer', () => {
  it('runs the fused kernel on wasm', () => {
    expect(tf.getKernel(ADAM_KERNEL, 'wasm')).toBeDefined();
  });

  it('gives exactly the values and moments of tfjs Adam on wasm', async () => {
    const ours = await train(fused(), 7);
    const theirs = await train(stock(), 7);
    expect(ours).toEqual(theirs);
    expect(ours.weights.map((w) => w.name)).toEqual(['iter', 'm', 'm', 'v', 'v']);
  });

  it('gives the cpu backend values (where it is tfjs Adam itself)', async () => {
    const ours = await train(fused(), 5);
    await selectBackend('cpu');
    expect(tf.getKernel(ADAM_KERNEL, 'cpu')).toBeUndefined();
    const onCpu = await train(fused(), 5);
    const stockCpu = await train(stock(), 5);
    expect(onCpu).toEqual(stockCpu);
    ours.values.forEach((row, j) => row.forEach((v, i) => expect(v).toBeCloseTo(onCpu.values[j]![i]!, 5)));
  });

  it('continues exactly after setWeights (a resume)', async () => {
    const whole = await train(fused(), 6);
    const first = fused();
    await train(first, 3);
    const saved = await first.getWeights();
    const resumed = fused();
    await resumed.setWeights(saved);
    expect(resumed.iterations).toBe(3);
    expect((await resumed.getWeights()).map((w) => w.name)).toEqual(saved.map((w) => w.name));
    expect(whole.weights[0]!.values).toEqual([6]);
  });

  it('leaves no more tensors behind than tfjs Adam', async () => {
    const growth = async (optimizer: tf.AdamOptimizer): Promise<number> => {
      await train(optimizer, 1);
      const before = tf.memory().numTensors;
      await train(optimizer, 3);
      return tf.memory().numTensors - before;
    };
    expect(await growth(fused())).toBe(await growth(stock()));
  });
});
