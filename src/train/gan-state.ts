import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../core/errors.js';
import type { GanModels, GanOptimizers } from './gan-step.js';
import type { AdamInternals } from './fused-adam.js';

/** One tensor's values, off the backend. */
export interface TensorRecord {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Everything Adam carries between steps. */
export interface AdamState {
  iterations: number;
  /** β1^t and β2^t as Adam accumulated them (a product; `pow` would differ in the last bits). */
  accBeta1: number;
  accBeta2: number;
  /** First moments then second moments, one per trainable weight in model order (empty before the first step). */
  moments: TensorRecord[];
}

/** The whole state a run needs to continue exactly: all weights (BN moving statistics too) and both optimizers. */
export interface GanState {
  generator: TensorRecord[];
  discriminator: TensorRecord[];
  generatorOptimizer: AdamState;
  discriminatorOptimizer: AdamState;
}


/** Copies the state of both nets and both optimizers off the backend. */
export async function captureGanState(models: GanModels, optimizers: GanOptimizers): Promise<GanState> {
  return {
    generator: await captureModelWeights(models.generator),
    discriminator: await captureModelWeights(models.discriminator),
    generatorOptimizer: await captureAdamState(optimizers.generator, models.generator),
    discriminatorOptimizer: await captureAdamState(optimizers.discriminator, models.discriminator),
  };
}

/** Puts a captured state back into models and optimizers of the same architecture. */
export async function restoreGanState(models: GanModels, optimizers: GanOptimizers, state: GanState): Promise<void> {
  restoreModelWeights(models.generator, state.generator);
  restoreModelWeights(models.discriminator, state.discriminator);
  await restoreAdamState(optimizers.generator, state.generatorOptimizer, models.generator);
  await restoreAdamState(optimizers.discriminator, state.discriminatorOptimizer, models.discriminator);
}

/** All weights of a model (trainable and BN moving statistics), named by layer (`g_bn_1/gamma`). */
export async function captureModelWeights(model: tf.LayersModel): Promise<TensorRecord[]> {
  return Promise.all(model.weights.map(async (w) => record(w.originalName, w.read())));
}

/** Writes captured weights back, checking that names and shapes match the model's. */
export function restoreModelWeights(model: tf.LayersModel, records: readonly TensorRecord[]): void {
  const weights = model.weights;
  if (records.length !== weights.length) {
    throw new InvalidParameterError(`${model.name} weights`, `${weights.length} tensors`, `${records.length} tensors`);
  }
  weights.forEach((w, i) => {
    const r = records[i] as TensorRecord;
    if (r.name !== w.originalName || !sameShape(r.shape, w.shape)) {
      throw new InvalidParameterError(`${model.name} weight ${i}`, `${w.originalName} [${w.shape.join(', ')}]`, `${r.name} [${r.shape.join(', ')}]`);
    }
  });
  tf.tidy(() => weights.forEach((w, i) => w.write(toTensor(records[i] as TensorRecord))));
}

/**
 * Adam's iteration count, accumulated β powers and moments of the net `model` it optimizes.
 * Moments are named after the model's weights (`g_bn_1/gamma/m`), not after tfjs' process-unique
 * variable names, so that the same run gives the same state in any process.
 */
export async function captureAdamState(optimizer: tf.AdamOptimizer, model: tf.LayersModel): Promise<AdamState> {
  const internals = optimizer as unknown as AdamInternals;
  const [iter, ...moments] = await optimizer.getWeights();
  const trainable = model.trainableWeights;
  const momentName = (i: number): string => `${trainable[i % trainable.length]?.originalName ?? i}/${i < trainable.length ? 'm' : 'v'}`;
  const iterations = iter === undefined ? 0 : ((await iter.tensor.data())[0] ?? 0);
  iter?.tensor.dispose(); // getWeights makes a new scalar for it
  return {
    iterations,
    accBeta1: (await internals.accBeta1.data())[0] ?? NaN,
    accBeta2: (await internals.accBeta2.data())[0] ?? NaN,
    moments: await Promise.all(moments.map(async (m, i) => record(momentName(i), m.tensor))),
  };
}

/** Restores Adam's state; `model` is the net it optimizes, to check the moments' count and shapes. */
export async function restoreAdamState(optimizer: tf.AdamOptimizer, state: AdamState, model: tf.LayersModel): Promise<void> {
  const trainable = model.trainableWeights;
  const expected = state.moments.length === 0 ? [] : [...trainable, ...trainable];
  if (state.moments.length !== expected.length || state.moments.some((m, i) => !sameShape(m.shape, expected[i]?.shape ?? []))) {
    throw new InvalidParameterError(`${model.name} optimizer moments`, `none or 2 × ${trainable.length} matching the trainable weights`, `${state.moments.length} tensors`);
  }
  const internals = optimizer as unknown as AdamInternals;
  // setWeights replaces the moment variables without freeing the old ones.
  const old = [...internals.accumulatedFirstMoment, ...internals.accumulatedSecondMoment];
  const inputs = [
    { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
    ...state.moments.map((m) => ({ name: m.name, tensor: toTensor(m) })),
  ];
  await optimizer.setWeights(inputs);
  tf.dispose(old.flatMap((m) => (m === undefined ? [] : [m.variable])));
  tf.dispose(inputs.map((i) => i.tensor));
  // setWeights recomputes β^t with pow(); put back the exact accumulated products.
  tf.tidy(() => {
    internals.accBeta1.assign(tf.scalar(state.accBeta1));
    internals.accBeta2.assign(tf.scalar(state.accBeta2));
  });
}

async function record(name: string, tensor: tf.Tensor): Promise<TensorRecord> {
  return { name, shape: [...tensor.shape], values: Float32Array.from(await tensor.data()) };
}

function toTensor(r: TensorRecord): tf.Tensor {
  return tf.tensor(r.values, r.shape, 'float32');
}

function sameShape(a: readonly number[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
