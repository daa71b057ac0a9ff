import type * as tf from '@tensorflow/tfjs';
import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';
import type { SelectedBackend } from '../train/backend.js';
import { deriveSeed } from '../train/seeds.js';
import { noiseForSeed } from '../train/sample/noise.js';
import { loadOrTrainClassifier, type DigitClassifier } from './classifier-cache.js';
import { CLASSIFIER_TRAINING, type ClassifierTraining } from './classifier-training.js';
import { digitsToInput, FEATURE_DIMS } from './digit-classifier.js';
import { classifyAll, scoreImages, scoreOutputs, type DigitScore, type ImageSource } from './digit-score.js';
import { featureStats, type FeatureStats } from './frechet.js';
import { readDigits, type Digits } from './mnist-digits.js';

/** Options of {@link createDigitEvaluator}; the defaults are those of `dcgan-eval`. */
export interface DigitEvaluatorOptions {
  /** The MNIST shard-set folder: the classifier is trained on its train partition, the real digits are its test partition. */
  readonly data: string;
  /** Image side of the generator to score. */
  readonly size: number;
  /** Images scored per evaluation (generated, and real for the ceiling). @default 2000 */
  readonly images?: number;
  /** First noise seed: image i is drawn from the noise of seed `seed + i`. @default 0 */
  readonly seed?: number;
  /** @default {@link CLASSIFIER_TRAINING} */
  readonly classifier?: Partial<ClassifierTraining>;
  /** Train the classifier on only the first N train digits (tests). @default all */
  readonly trainLimit?: number;
  /** Use only the first N test digits (tests). @default all */
  readonly testLimit?: number;
  /** Progress of the classifier's training steps. */
  readonly trainProgress?: ProgressSink;
  /** Progress of the scoring of the real digits. */
  readonly scoreProgress?: ProgressSink;
}

/** Default number of images scored. */
export const EVAL_IMAGES = 2000;

/** A classifier and the real test digits, ready to score generators at one size. */
export interface DigitEvaluator {
  readonly classifier: DigitClassifier;
  /** The score of real test digits (a held-out half against the other half): the ceiling. */
  readonly real: DigitScore;
  /** Images scored per call. */
  readonly images: number;
  /** Score a generator (noise `[n, noiseDim]` → `[n, size, size, 1]`) on the seeded noise of {@link DigitEvaluatorOptions.seed}. */
  scoreGenerator(generator: tf.LayersModel, progress?: ProgressSink): Promise<DigitScore>;
  /** Score uniform noise images in [-1, 1] (the floor). */
  scoreNoise(progress?: ProgressSink): Promise<DigitScore>;
  /** Frees the classifier. */
  dispose(): void;
}

/**
 * Loads or trains the digit classifier of `data` at `size` ({@link loadOrTrainClassifier}), reads
 * the test partition, splits it in two halves (the first scored as real digits, the second the
 * reference of the FID) and scores the first half: the ceiling any generator is compared with.
 */
export async function createDigitEvaluator(backend: SelectedBackend, options: DigitEvaluatorOptions): Promise<DigitEvaluator> {
  const images = options.images ?? EVAL_IMAGES;
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(images) || images < 2) throw new InvalidParameterError('images', 'an integer ≥ 2', images);
  const classifier = await loadOrTrainClassifier(backend, {
    data: options.data,
    size: options.size,
    training: { ...CLASSIFIER_TRAINING, ...options.classifier },
    ...(options.trainLimit !== undefined ? { trainLimit: options.trainLimit } : {}),
    ...(options.testLimit !== undefined ? { testLimit: options.testLimit } : {}),
    ...(options.trainProgress !== undefined ? { progress: options.trainProgress } : {}),
  });
  const test = await readDigits({ dir: options.data, partition: 'test', ...(options.testLimit !== undefined ? { limit: options.testLimit } : {}) });
  const half = Math.floor(test.count / 2);
  if (half < 2) throw new InvalidInputError(options.data, `the test partition holds ${test.count} digits, the score needs at least 4`);
  const realCount = Math.min(images, half);
  const model = classifier.model;
  const referenceOutputs = await classifyAll(backend, model, digitSource(backend, test, half, test.count - half, options.size));
  const reference: FeatureStats = featureStats(referenceOutputs.features, FEATURE_DIMS);
  const real = scoreOutputs(await classifyAll(backend, model, digitSource(backend, test, 0, realCount, options.size), options.scoreProgress), reference);
  const tfjs = backend.tf;
  return {
    classifier,
    real,
    images,
    scoreGenerator: (generator, progress) => scoreImages(backend, model, generatorSource(backend, generator, images, seed, options.size), reference, progress),
    scoreNoise: (progress) =>
      scoreImages(backend, model, { count: images, batch: (start, n) => tfjs.randomUniform([n, options.size, options.size, 1], -1, 1, 'float32', deriveSeed(seed, 0x4e015e, start)) }, reference, progress),
    dispose: () => model.dispose(),
  };
}

/** Digits `from … from+count−1` of `digits` as model input at `size`. */
function digitSource(backend: SelectedBackend, digits: Digits, from: number, count: number, size: number): ImageSource {
  const per = digits.side * digits.side;
  return { count, batch: (start, n) => digitsToInput(backend, digits.pixels.subarray((from + start) * per, (from + start + n) * per), n, digits.side, size) };
}

/** The generator's images for the noise of seeds `seed + i` (the samples' noise, {@link noiseForSeed}), in inference mode. */
function generatorSource(backend: SelectedBackend, generator: tf.LayersModel, count: number, seed: number, size: number): ImageSource {
  const tfjs = backend.tf;
  const inputShape = generator.inputs[0]?.shape;
  const outputShape = generator.outputs[0]?.shape;
  const noiseDim = inputShape?.[1];
  if (inputShape?.length !== 2 || typeof noiseDim !== 'number' || outputShape?.length !== 4) {
    throw new InvalidParameterError('generator', 'a generator from noise [n, noiseDim] to images [n, size, size, channels]', `${JSON.stringify(inputShape)} → ${JSON.stringify(outputShape)}`);
  }
  if (outputShape[1] !== size || outputShape[2] !== size || outputShape[3] !== 1) {
    throw new InvalidParameterError('generator', `a generator of ${size}×${size}×1 digits (the classifier's size)`, `images of ${outputShape.slice(1).join('×')}`);
  }
  return {
    count,
    batch: (start, n) => {
      const noise = new Float32Array(n * noiseDim);
      for (let i = 0; i < n; i++) noise.set(noiseForSeed(seed + start + i, noiseDim), i * noiseDim);
      return tfjs.tidy(() => generator.apply(tfjs.tensor2d(noise, [n, noiseDim]), { training: false }) as tf.Tensor4D);
    },
  };
}
