import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../core/errors.js';
import { FusedAdamOptimizer } from './fused-adam.js';
import { runModel, type BatchNormOverride, type BatchRows, type RunModelOptions } from './forward.js';
import { binaryCrossEntropy } from './losses.js';
import { deriveSeed, SeedStream } from './seeds.js';
import { NoGradientError } from './no-gradient-error.js';

export { learningRateAt, LR_MILESTONES } from './lr-schedule.js';

/** The generator and discriminator being trained. */
export interface GanModels {
  generator: tf.LayersModel;
  discriminator: tf.LayersModel;
}

/** One Adam optimizer per net. */
export interface GanOptimizers {
  generator: tf.AdamOptimizer;
  discriminator: tf.AdamOptimizer;
}

/** Adam as in DESIGN §7 (β1 0.5) with Keras' other defaults. */
export const ADAM_DEFAULTS = { learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-7 } as const;

/** Two fresh Adam(lr, β1 0.5) optimizers (tfjs' Adam, each variable's update one kernel: {@link FusedAdamOptimizer}). */
export function createOptimizers(learningRate: number = ADAM_DEFAULTS.learningRate): GanOptimizers {
  checkLearningRate(learningRate);
  const { beta1, beta2, epsilon } = ADAM_DEFAULTS;
  return {
    generator: new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon),
    discriminator: new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon),
  };
}

/** Sets the learning rate of both optimizers (for the schedule of {@link learningRateAt}). */
export function setLearningRate(optimizers: GanOptimizers, learningRate: number): void {
  checkLearningRate(learningRate);
  // tfjs keeps it in a protected field that Adam reads on every update.
  for (const optimizer of [optimizers.generator, optimizers.discriminator]) {
    (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
  }
}

/** The current learning rate of an optimizer. */
export function getLearningRate(optimizer: tf.AdamOptimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

/** Input of {@link ganStep}. */
export interface GanStepOptions {
  /** Real images `[batch, size, size, channels]` in [-1, 1]. */
  real: tf.Tensor4D;
  /** Seed of the run; the noise and dropout masks of a step follow from it and `step`. */
  seed: number;
  /** Global step number, counted from 0 over the whole run (a resumed run continues it). */
  step: number;
  /** Set when this is one data-parallel replica's slice of the batch (src/train/parallel). */
  replica?: StepReplica;
}

/** How a data-parallel replica takes part in a step on its slice `real` of the whole batch. */
export interface StepReplica {
  /** Where `real` sits in the whole batch: noise and dropout masks are drawn for the whole batch and these rows taken. */
  readonly rows: BatchRows;
  /** BatchNormalization over the whole batch. */
  readonly batchNorm: BatchNormOverride;
  /** The whole batch's gradients from this slice's, in the net's weight order (the same on every replica). */
  reduceGradients(net: 'generator' | 'discriminator', grads: readonly tf.Tensor[]): tf.Tensor[];
}

/** Losses and mean discriminator outputs of one step, from the weights before the update. */
export interface GanStepResult {
  genLoss: number;
  disLoss: number;
  /** Mean D(real). */
  realP: number;
  /** Mean D(G(z)). */
  fakeP: number;
}

/**
 * One DCGAN training step as in the TensorFlow DCGAN tutorial: z ~ N(0, 1); D's loss is
 * BCE(1, D(x)) + BCE(0, D(G(z))), G's is BCE(1, D(G(z))); both gradients come from the same
 * weights and the same forward values, then each Adam applies its own. tfjs has no persistent
 * tape, so D(G(z)) is evaluated twice with the same dropout mask; D's BN moving statistics are
 * restored after the first evaluation so they see real then fake once, as in the tutorial.
 */
export async function ganStep(models: GanModels, optimizers: GanOptimizers, options: GanStepOptions): Promise<GanStepResult> {
  const { real, seed, step, replica } = options;
  checkStepOptions(models, options);
  const hooks: Pick<RunModelOptions, 'rows' | 'batchNorm'> = replica ? { rows: replica.rows, batchNorm: replica.batchNorm } : {};
  const { generator, discriminator } = models;
  const noiseDim = generator.inputs[0]?.shape[1] ?? 0;
  const dropoutReal = deriveSeed(seed, SeedStream.dropoutReal, step);
  const dropoutFake = deriveSeed(seed, SeedStream.dropoutFake, step);
  const owned: tf.Tensor[] = [];
  try {
    const wholeZ = tf.randomNormal([replica?.rows.total ?? real.shape[0], noiseDim], 0, 1, 'float32', deriveSeed(seed, SeedStream.noise, step));
    owned.push(wholeZ);
    const z = replica ? tf.slice(wholeZ, [replica.rows.offset, 0], [real.shape[0], noiseDim]) : wholeZ;
    if (z !== wholeZ) owned.push(z);
    let fake: tf.Tensor | undefined;
    const movingStats = discriminator.nonTrainableWeights.map((w) => w.read().clone());
    owned.push(...movingStats);
    let gen: ReturnType<typeof tf.variableGrads>;
    try {
      gen = tf.variableGrads(() => {
        fake = tf.keep(runModel(generator, z, { training: true, ...hooks }));
        owned.push(fake);
        return binaryCrossEntropy(1, runModel(discriminator, fake, { training: true, dropoutSeed: dropoutFake, ...hooks }));
      }, trainableVariables(generator));
    } finally {
      discriminator.nonTrainableWeights.forEach((w, i) => w.write(movingStats[i] as tf.Tensor));
    }
    const fakeImages = fake as tf.Tensor;
    owned.push(gen.value, ...Object.values(gen.grads));

    const means: tf.Tensor[] = [];
    const dis = tf.variableGrads(() => {
      const pReal = runModel(discriminator, real, { training: true, dropoutSeed: dropoutReal, ...hooks });
      const pFake = runModel(discriminator, fakeImages, { training: true, dropoutSeed: dropoutFake, ...hooks });
      means.push(tf.keep(tf.mean(pReal)), tf.keep(tf.mean(pFake)));
      owned.push(...means);
      return tf.add(binaryCrossEntropy(1, pReal), binaryCrossEntropy(0, pFake)) as tf.Scalar;
    }, trainableVariables(discriminator));
    owned.push(dis.value, ...Object.values(dis.grads));

    const genGrads = orderedGradients(generator, gen.grads);
    const disGrads = orderedGradients(discriminator, dis.grads);
    if (replica) {
      for (const [net, grads] of [['generator', genGrads], ['discriminator', disGrads]] as const) {
        const reduced = replica.reduceGradients(net, grads.map((g) => g.tensor));
        owned.push(...reduced);
        grads.forEach((g, i) => (g.tensor = reduced[i] as tf.Tensor));
      }
    }
    optimizers.generator.applyGradients(genGrads);
    optimizers.discriminator.applyGradients(disGrads);
    const [genLoss, disLoss, realP, fakeP] = await Promise.all([gen.value, dis.value, ...means].map(async (t) => (await t.data())[0] ?? NaN));
    return { genLoss: genLoss ?? NaN, disLoss: disLoss ?? NaN, realP: realP ?? NaN, fakeP: fakeP ?? NaN };
  } finally {
    tf.dispose(owned);
  }
}

/** The tf.Variables behind a model's trainable weights, in the model's order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/**
 * The gradients in the model's weight order. Adam pairs its moments with gradients by
 * position, so the order must never change and a missing gradient must not shift the rest.
 */
function orderedGradients(model: tf.LayersModel, grads: tf.NamedTensorMap): Array<{ name: string; tensor: tf.Tensor }> {
  return trainableVariables(model).map((v) => {
    const tensor = grads[v.name];
    if (tensor === undefined) throw new NoGradientError(model.name, v.name);
    return { name: v.name, tensor };
  });
}

function checkStepOptions(models: GanModels, options: GanStepOptions): void {
  const { real, seed, step } = options;
  const expected = models.discriminator.inputs[0]?.shape.slice(1) ?? [];
  if (real.rank !== 4 || real.shape[0] < 1 || real.shape.slice(1).some((d, i) => d !== expected[i])) {
    throw new InvalidParameterError('real', `a batch of images [n, ${expected.join(', ')}]`, real.shape);
  }
  if (!Number.isSafeInteger(seed)) throw new InvalidParameterError('seed', 'an integer', seed);
  if (!Number.isSafeInteger(step) || step < 0) throw new InvalidParameterError('step', 'a non-negative integer', step);
  const rows = options.replica?.rows;
  if (rows && !(Number.isSafeInteger(rows.offset) && rows.offset >= 0 && rows.offset + real.shape[0] <= rows.total)) {
    throw new InvalidParameterError('replica.rows', `a slice of ${real.shape[0]} rows inside the whole batch`, rows);
  }
}

function checkLearningRate(learningRate: number): void {
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw new InvalidParameterError('learningRate', 'a positive finite number', learningRate);
  }
}
