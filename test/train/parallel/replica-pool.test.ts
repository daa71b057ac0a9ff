import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/train/backend.js';
import { captureGanState } from '../../../src/train/gan-state.js';
import { createOptimizers } from '../../../src/train/gan-step.js';
import { buildDcgan } from '../../../src/train/model.js';
import { splitBatch } from '../../../src/train/parallel/batch-slices.js';
import { TrainingThreadError } from '../../../src/train/parallel/replica-error.js';
import { ReplicaPool } from '../../../src/train/parallel/replica-pool.js';
import { resolveThreads, THREADS_PAY_FROM_WEIGHTS } from '../../../src/train/parallel/thread-count.js';

async function startPool(threads: number): Promise<ReplicaPool> {
  await selectBackend('cpu');
  const dcgan = buildDcgan({ size: 8, channels: 3, noiseDim: 8, widthMult: 1 / 32, seed: 2 });
  const state = await captureGanState({ generator: dcgan.generator, discriminator: dcgan.discriminator }, createOptimizers());
  return ReplicaPool.start({ threads, backend: 'cpu', model: dcgan.options, state });
}

const batch = (rows: number, seed: number): Float32Array => tf.tidy(() => tf.randomUniform([rows, 8, 8, 3], -1, 1, 'float32', seed).dataSync() as Float32Array);

describe('ReplicaPool', () => {
  it('keeps its replicas identical, bit for bit, step after step', async () => {
    const pool = await startPool(2);
    try {
      for (let k = 0; k < 3; k++) await pool.step({ real: batch(6, k), shape: [6, 8, 8, 3], seed: 1, step: k, learningRate: 2e-4 });
      const [a, b] = [await pool.state(0), await pool.state(1)];
      expect(a.generatorOptimizer.iterations).toBe(3);
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    } finally {
      await pool.close();
    }
  });

  it('a replica that fails mid-step (bad input) fails the step with its own error, and the replica waiting for it does not hang', async () => {
    const pool = await startPool(2);
    try {
      // rows 3..5 are missing: replica 1 cannot make its tensor, while replica 0 runs into its first BN exchange
      const step = pool.step({ real: batch(3, 1), shape: [6, 8, 8, 3], seed: 1, step: 0, learningRate: 2e-4 });
      const error = (await step.catch((e: unknown) => e)) as TrainingThreadError;
      expect(error).toBeInstanceOf(TrainingThreadError);
      expect(error.code).toBe('ERR_TRAINING_THREAD');
      expect(error.thread).toBe(1);
      expect(error.message).toMatch(/^training thread 1: .*the tensor should have 576 values but has 0$/);
      // the pool stays failed: the next call says so at once
      await expect(pool.step({ real: batch(6, 2), shape: [6, 8, 8, 3], seed: 1, step: 1, learningRate: 2e-4 })).rejects.toBe(error);
    } finally {
      await pool.close();
    }
  });
});

describe('splitBatch and resolveThreads', () => {
  it('splits a batch evenly, the first slices one row longer', () => {
    expect(splitBatch(10, 4)).toEqual([
      { offset: 0, rows: 3 },
      { offset: 3, rows: 3 },
      { offset: 6, rows: 2 },
      { offset: 8, rows: 2 },
    ]);
    expect(() => splitBatch(2, 3)).toThrow('Expected at least one row per training thread (3) for batch but received 2 of type number');
  });

  it('defaults to one thread per core on wasm and cpu for a large model, 1 for a small one, caps at the batch, refuses more than one on tensorflow', () => {
    expect(resolveThreads(undefined, 'wasm', 128, 2e7)).toBe(Math.min(128, availableParallelism()));
    expect(resolveThreads(undefined, 'cpu', 128, 2e7)).toBe(Math.min(128, availableParallelism()));
    expect(resolveThreads(undefined, 'wasm', 128, THREADS_PAY_FROM_WEIGHTS - 1)).toBe(1);
    expect(resolveThreads(undefined, 'tensorflow', 64, 2e7)).toBe(1);
    expect(resolveThreads(undefined, 'wasm', 1, 2e7)).toBe(1);
    expect(resolveThreads(4, 'cpu', 3, 1e3)).toBe(3);
    expect(() => resolveThreads(2, 'tensorflow', 8, 1e3)).toThrow(/^Expected 1 on the tensorflow backend \(it uses every core itself; threads are for wasm and cpu\) for threads but received 2/);
    expect(() => resolveThreads(0, 'wasm', 8, 1e3)).toThrow('Expected a positive integer for threads but received 0');
  });
});
