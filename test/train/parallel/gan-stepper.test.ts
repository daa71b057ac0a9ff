import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/train/backend.js';
import { captureGanState, type TensorRecord } from '../../../src/train/gan-state.js';
import { createOptimizers, type GanStepResult } from '../../../src/train/gan-step.js';
import { buildDcgan } from '../../../src/train/model.js';
import { createGanStepper } from '../../../src/train/parallel/gan-stepper.js';
import { roundingNoiseWeights, maxRelativeDifference } from '../../helpers/tensor-difference.js';

// 16×16: BN in two generator stages and one discriminator stage
const MODEL = { size: 16, channels: 3, noiseDim: 8, widthMult: 1 / 32, seed: 5 };
const NOISE = roundingNoiseWeights(buildDcgan(MODEL).generator, buildDcgan(MODEL).discriminator);

interface Run {
  results: GanStepResult[];
  weights: TensorRecord[];
  moments: TensorRecord[];
}

/** `steps` steps of a fresh model on `threads` threads: the per-step results, the final weights and Adam moments. */
async function run(backend: 'cpu' | 'wasm', threads: number, batch: number, steps: number): Promise<Run> {
  await selectBackend(backend);
  const dcgan = buildDcgan(MODEL);
  const models = { generator: dcgan.generator, discriminator: dcgan.discriminator };
  const optimizers = createOptimizers();
  const stepper = await createGanStepper({ threads, backend, models, optimizers, model: dcgan.options });
  const results: GanStepResult[] = [];
  try {
    for (let k = 0; k < steps; k++) {
      const real = tf.randomUniform([batch, 16, 16, 3], -1, 1, 'float32', 100 + k) as tf.Tensor4D;
      results.push(await stepper.step(real, 11, k));
      real.dispose();
    }
    await stepper.sync();
  } finally {
    await stepper.close();
  }
  const s = await captureGanState(models, optimizers);
  return { results, weights: [...s.generator, ...s.discriminator], moments: [...s.generatorOptimizer.moments, ...s.discriminatorOptimizer.moments] };
}


const lossDifference = (a: Run, b: Run): number =>
  Math.max(...a.results.flatMap((r, k) => (['genLoss', 'disLoss', 'realP', 'fakeP'] as const).map((key) => Math.abs(r[key] - b.results[k]![key]))));

describe('createGanStepper: data-parallel threads (synchronized BN, gradients summed in shared memory)', () => {
  // batch 7 on 2 threads: slices of 4 and 3 rows, weighted by their rows
  for (const [backend, threads, batch] of [['cpu', 2, 8], ['wasm', 2, 7]] as const) {
    it(`${backend}: ${threads} threads on a batch of ${batch} give the one-thread losses, gradients and weights for 4 steps`, async () => {
      const one = await run(backend, 1, batch, 4);
      const many = await run(backend, threads, batch, 4);
      // every step's losses and probabilities are the whole batch's (seen: < 1e-6; with per-slice BN instead of synchronized: 0.16)
      expect(lossDifference(one, many)).toBeLessThan(1e-5);
      // Adam's moments (running means of the gradients) and the weights, tensor by tensor (seen: < 4e-7),
      // but for the biases before BN (and the BN's moving mean), whose gradient is rounding noise in any run (see roundingNoiseWeights)
      expect(maxRelativeDifference(one.moments, many.moments, NOISE)).toBeLessThan(1e-5);
      expect(maxRelativeDifference(one.weights, many.weights, NOISE)).toBeLessThan(1e-5);
    });
  }
});
