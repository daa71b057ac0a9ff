import type * as tf from '@tensorflow/tfjs';
import { silentProgress, type ProgressSink } from '../core/progress.js';
import type { SelectedBackend } from '../train/backend.js';
import { argmax } from './classifier-training.js';
import { classify, FEATURE_DIMS } from './digit-classifier.js';
import { featureStats, frechetDistance, type FeatureStats } from './frechet.js';

/** The rules of the score, written out in every report. */
export const SCORE_RULES = {
  /** An image is recognised when the classifier gives one digit at least this probability. */
  confidence: 0.9,
  /** A digit is present when at least this share of all scored images is recognised as it (a fifth of a uniform 10 %). */
  presentShare: 0.02,
} as const;

/** The score of a set of images. */
export interface DigitScore {
  readonly images: number;
  /** Share of the images recognised with confidence ≥ {@link SCORE_RULES}.confidence. */
  readonly recognised: number;
  /** Digits recognised in at least {@link SCORE_RULES}.presentShare of the images. */
  readonly digitsPresent: number;
  /** Recognised images per digit 0-9. */
  readonly histogram: readonly number[];
  /** Entropy of the recognised digits' histogram in nats (ln 10 ≈ 2.303 when all ten are equally common; 0 when none is recognised). */
  readonly entropy: number;
  /** Fréchet distance of the classifier's penultimate features to those of real test digits. */
  readonly fid: number;
}

/** Images to score, drawn batch by batch: `batch(start, n)` gives images start … start+n−1, `[n, size, size, 1]` in [-1, 1]. */
export interface ImageSource {
  readonly count: number;
  batch(start: number, n: number): tf.Tensor4D;
}

/** Images scored per classifier call. */
const SCORE_BATCH = 250;

/** Features and predictions of every image of `source`. */
export async function classifyAll(backend: SelectedBackend, model: tf.LayersModel, source: ImageSource, progress: ProgressSink = silentProgress): Promise<{ features: Float32Array; probabilities: Float32Array }> {
  const features = new Float32Array(source.count * FEATURE_DIMS);
  const probabilities = new Float32Array(source.count * 10);
  progress.start(source.count);
  try {
    for (let start = 0; start < source.count; start += SCORE_BATCH) {
      const n = Math.min(SCORE_BATCH, source.count - start);
      const x = source.batch(start, n);
      try {
        const out = await classify(backend, model, x);
        features.set(out.features, start * FEATURE_DIMS);
        probabilities.set(out.probabilities, start * 10);
      } finally {
        x.dispose();
      }
      progress.tick(n);
    }
  } finally {
    progress.stop();
  }
  return { features, probabilities };
}

/** Score of images from their classifier outputs, the FID against `reference` (real test digits). */
export function scoreOutputs(outputs: { features: Float32Array; probabilities: Float32Array }, reference: FeatureStats): DigitScore {
  const images = outputs.probabilities.length / 10;
  const histogram = Array.from({ length: 10 }, () => 0);
  for (let i = 0; i < images; i++) {
    const best = argmax(outputs.probabilities, i * 10, 10);
    if (outputs.probabilities[i * 10 + best]! >= SCORE_RULES.confidence) histogram[best]!++;
  }
  const recognisedCount = histogram.reduce((a, b) => a + b, 0);
  let entropy = 0;
  for (const c of histogram) if (c > 0) entropy -= (c / recognisedCount) * Math.log(c / recognisedCount);
  return {
    images,
    recognised: recognisedCount / images,
    digitsPresent: histogram.filter((c) => c >= SCORE_RULES.presentShare * images).length,
    histogram,
    entropy,
    fid: frechetDistance(featureStats(outputs.features, FEATURE_DIMS), reference),
  };
}

/** Classify and score the images of `source`. */
export async function scoreImages(backend: SelectedBackend, model: tf.LayersModel, source: ImageSource, reference: FeatureStats, progress?: ProgressSink): Promise<DigitScore> {
  return scoreOutputs(await classifyAll(backend, model, source, progress), reference);
}
