import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/train/backend.js';
import { loadGan, saveGan } from '../../src/train/checkpoint.js';
import { createOptimizers, ganStep, getLearningRate, learningRateAt, setLearningRate } from '../../src/train/gan-step.js';
import type { GanModels, GanOptimizers, GanStepResult } from '../../src/train/gan-step.js';
import { captureGanState } from '../../src/train/gan-state.js';
import { buildDcgan } from '../../src/train/model.js';

const TINY = { size: 16, channels: 3, widthMult: 1 / 16, noiseDim: 100 } as const;
const BATCH = 4;
const RUN_SEED = 42;

interface Trainer {
  models: GanModels;
  optimizers: GanOptimizers;
}

function freshTrainer(initSeed: number): Trainer {
  const { generator, discriminator } = buildDcgan({ ...TINY, seed: initSeed });
  return { models: { generator, discriminator }, optimizers: createOptimizers(2e-4) };
}

/** The real batch of a step: deterministic images in [-1, 1]. */
function realBatch(step: number): tf.Tensor4D {
  return tf.randomUniform([BATCH, TINY.size, TINY.size, TINY.channels], -1, 1, 'float32', 1000 + step);
}

async function train(t: Trainer, from: number, to: number): Promise<GanStepResult[]> {
  const results: GanStepResult[] = [];
  for (let step = from; step < to; step++) {
    // A schedule change inside the run, to check that resumed runs follow it too.
    setLearningRate(t.optimizers, step >= 3 ? 1e-4 : 2e-4);
    const real = realBatch(step);
    results.push(await ganStep(t.models, t.optimizers, { real, seed: RUN_SEED, step }));
    real.dispose();
  }
  return results;
}

function dispose(t: Trainer): void {
  t.models.generator.dispose();
  t.models.discriminator.dispose();
  t.optimizers.generator.dispose();
  t.optimizers.discriminator.dispose();
}

describe('learningRateAt', () => {
  it('divides by 10 at epochs 10, 20 and 25', () => {
    const base = 2e-4;
    expect([0, 9].map((e) => learningRateAt(e, base))).toEqual([base, base]);
    expect([10, 19].map((e) => learningRateAt(e, base))).toEqual([base / 10, base / 10]);
    expect([20, 24].map((e) => learningRateAt(e, base))).toEqual([base / 100, base / 100]);
    expect([25, 34, 1000].map((e) => learningRateAt(e, base))).toEqual([base / 1000, base / 1000, base / 1000]);
    expect(learningRateAt(5, 1, [2, 4])).toBe(0.01);
  });

  it('rejects bad arguments', () => {
    expect(() => learningRateAt(-1, 1)).toThrow('Expected a non-negative integer for epoch but received -1 of type number');
    expect(() => learningRateAt(1.5, 1)).toThrow('Expected a non-negative integer for epoch but received 1.5 of type number');
    expect(() => learningRateAt(1, 0)).toThrow('Expected a positive finite learning rate for base but received 0 of type number');
  });
});

describe.each(['cpu', 'wasm'] as const)('ganStep on %s', (backend) => {
  let dir: string;
  beforeAll(async () => {
    await selectBackend(backend);
    dir = await mkdtemp(join(tmpdir(), `shardstream-gan-${backend}-`));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains with finite losses and probabilities, and frees its tensors', async () => {
    const t = freshTrainer(1);
    await train(t, 0, 1); // Adam allocates its moments on the first step
    const before = tf.memory().numTensors;
    const results = await train(t, 1, 3);
    expect(tf.memory().numTensors).toBe(before);
    for (const r of results) {
      for (const v of [r.genLoss, r.disLoss, r.realP, r.fakeP]) expect(Number.isFinite(v)).toBe(true);
      expect(r.realP).toBeGreaterThan(0);
      expect(r.realP).toBeLessThan(1);
      expect(r.disLoss).toBeGreaterThan(0);
    }
    expect(t.optimizers.generator.iterations).toBe(3);
    dispose(t);
  });

  it('resumes from a checkpoint exactly', async () => {
    const total = 5;
    const cut = 2;
    const straight = freshTrainer(1);
    const straightResults = await train(straight, 0, total);

    const first = freshTrainer(1);
    const firstResults = await train(first, 0, cut);
    await saveGan(dir, first.models, first.optimizers, { step: cut });
    dispose(first);

    // Different initial weights: loading must overwrite every one of them.
    const resumed = freshTrainer(99);
    const meta = await loadGan(dir, resumed.models, resumed.optimizers);
    expect(meta).toEqual({ step: cut });
    const resumedResults = await train(resumed, cut, total);

    expect([...firstResults, ...resumedResults]).toEqual(straightResults);
    const a = await captureGanState(straight.models, straight.optimizers);
    const b = await captureGanState(resumed.models, resumed.optimizers);
    expect(b.generator.map((r) => r.name)).toEqual(a.generator.map((r) => r.name));
    expect(b).toEqual(a); // bitwise: weights, BN moving statistics, Adam iterations, β powers and moments
    expect(b.discriminator.some((r) => r.name.endsWith('moving_mean'))).toBe(true);
    expect(b.generatorOptimizer.iterations).toBe(total);
    dispose(straight);
    dispose(resumed);
  });

  it('is reproducible from the seed and differs with another seed', async () => {
    const run = async (seed: number): Promise<number> => {
      const t = freshTrainer(1);
      const real = realBatch(0);
      const r = await ganStep(t.models, t.optimizers, { real, seed, step: 0 });
      real.dispose();
      dispose(t);
      return r.genLoss;
    };
    expect(await run(5)).toBe(await run(5));
    expect(await run(5)).not.toBe(await run(6));
  });
});

describe('ganStep and checkpoint errors', () => {
  let dir: string;
  beforeAll(async () => {
    await selectBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'shardstream-gan-errors-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a batch of the wrong shape and a bad step', async () => {
    const t = freshTrainer(1);
    const wrong = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    await expect(ganStep(t.models, t.optimizers, { real: wrong, seed: 1, step: 0 })).rejects.toThrow(
      'Expected a batch of images [n, 16, 16, 3] for real but received [2,8,8,3] of type array',
    );
    const real = realBatch(0);
    await expect(ganStep(t.models, t.optimizers, { real, seed: 1, step: -1 })).rejects.toThrow(
      'Expected a non-negative integer for step but received -1 of type number',
    );
    expect(() => setLearningRate(t.optimizers, -1)).toThrow('Expected a positive finite number for learningRate but received -1 of type number');
    setLearningRate(t.optimizers, 3e-5);
    expect(getLearningRate(t.optimizers.discriminator)).toBe(3e-5);
    tf.dispose([wrong, real]);
    dispose(t);
  });

  it('refuses corrupt or mismatched checkpoints', async () => {
    const t = freshTrainer(1);
    await saveGan(dir, t.models, t.optimizers);
    const weights = join(dir, 'weights.bin');
    const bytes = await readFile(weights);
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    await writeFile(weights, bytes);
    await expect(loadGan(dir, t.models, t.optimizers)).rejects.toThrow(`${weights}: sha256 does not match ${join(dir, 'checkpoint.json')}`);
    await expect(loadGan(join(dir, 'missing'), t.models, t.optimizers)).rejects.toThrow(`${join(dir, 'missing', 'checkpoint.json')}: cannot read checkpoint file`);

    await saveGan(dir, t.models, t.optimizers);
    const other = buildDcgan({ ...TINY, widthMult: 1 / 8 });
    await expect(loadGan(dir, { generator: other.generator, discriminator: other.discriminator }, t.optimizers)).rejects.toThrow(
      'Expected g_convt_1/kernel [4, 4, 128, 100] for generator weight 0 but received "g_convt_1/kernel [4, 4, 64, 100]" of type string',
    );
    dispose(t);
  });
});
