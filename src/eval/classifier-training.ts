import type * as tf from '@tensorflow/tfjs';
import { silentProgress, type ProgressSink } from '../core/progress.js';
import { permutation } from '../shards/shuffle.js';
import type { SelectedBackend } from '../train/backend.js';
import { buildDigitClassifier, classify, digitsToInput } from './digit-classifier.js';
import type { Digits } from './mnist-digits.js';

/** How the classifier is trained; part of the cache key. */
export interface ClassifierTraining {
  /** Adam steps. @default 1200 */
  readonly steps: number;
  /** @default 64 */
  readonly batchSize: number;
  /** Adam learning rate (a quarter of it for the last third of the steps). @default 5e-3 */
  readonly lr: number;
  /** Seed of the initial weights and of the batch order. @default 0 */
  readonly seed: number;
}

/** The training the cached classifiers are made with. */
export const CLASSIFIER_TRAINING: ClassifierTraining = { steps: 1200, batchSize: 64, lr: 5e-3, seed: 0 };

/** Train a fresh classifier on `digits` at `size` (Adam on cross-entropy; batches in the project's shuffle order). */
export async function trainDigitClassifier(
  backend: SelectedBackend,
  digits: Digits,
  size: number,
  training: ClassifierTraining,
  progress: ProgressSink = silentProgress,
): Promise<tf.Sequential> {
  const tfjs = backend.tf;
  const model = buildDigitClassifier(tfjs, size, training.seed);
  const optimizer = tfjs.train.adam(training.lr);
  const pixelsPerImage = digits.side * digits.side;
  const batch = Math.min(training.batchSize, digits.count);
  const perEpoch = Math.floor(digits.count / batch);
  const pixels = new Uint8Array(batch * pixelsPerImage);
  const labels = new Int32Array(batch);
  let order = permutation(digits.count, training.seed, 0);
  progress.start(training.steps);
  try {
    for (let step = 0; step < training.steps; step++) {
      const epoch = Math.floor(step / perEpoch);
      const k = step % perEpoch;
      if (k === 0 && epoch > 0) order = permutation(digits.count, training.seed, epoch);
      for (let i = 0; i < batch; i++) {
        const id = order[k * batch + i]!;
        pixels.set(digits.pixels.subarray(id * pixelsPerImage, (id + 1) * pixelsPerImage), i * pixelsPerImage);
        labels[i] = digits.labels[id]!;
      }
      // tfjs keeps the rate in a protected field that Adam reads on every update (as gan-step's setLearningRate)
      if (step === Math.floor((training.steps * 2) / 3)) (optimizer as unknown as { learningRate: number }).learningRate = training.lr / 4;
      const x = digitsToInput(backend, pixels, batch, digits.side, size);
      const y = tfjs.oneHot(tfjs.tensor1d(labels, 'int32'), 10);
      const loss = optimizer.minimize(() => {
        const p = model.apply(x, { training: true }) as tf.Tensor2D;
        return tfjs.neg(tfjs.mean(tfjs.sum(tfjs.mul(y, tfjs.log(tfjs.add(p, 1e-7))), 1))) as tf.Scalar;
      }, false);
      loss?.dispose();
      x.dispose();
      y.dispose();
      progress.tick();
      // let the progress display and other work run between steps
      if (step % 20 === 19) await new Promise((r) => setImmediate(r));
    }
  } finally {
    progress.stop();
    optimizer.dispose();
  }
  return model;
}

/** Share of `digits` the classifier labels right (argmax), at `size`. */
export async function classifierAccuracy(backend: SelectedBackend, model: tf.LayersModel, digits: Digits, size: number): Promise<number> {
  let right = 0;
  const pixelsPerImage = digits.side * digits.side;
  for (let start = 0; start < digits.count; start += 500) {
    const n = Math.min(500, digits.count - start);
    const x = digitsToInput(backend, digits.pixels.subarray(start * pixelsPerImage, (start + n) * pixelsPerImage), n, digits.side, size);
    const { probabilities } = await classify(backend, model, x);
    x.dispose();
    for (let i = 0; i < n; i++) if (argmax(probabilities, i * 10, 10) === digits.labels[start + i]) right++;
  }
  return right / digits.count;
}

/** Index of the largest of `values[offset … offset + length)`, relative to `offset`. */
export function argmax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[offset + i]! > values[offset + best]!) best = i;
  return best;
}
