import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameterError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';
import { MANIFEST_FILE } from '../shards/manifest.js';
import type { BackendPreference } from '../train/backend-preference.js';
import type { ClassifierTraining } from './classifier-training.js';
import { SCORE_RULES, type DigitScore } from './digit-score.js';
import { readMnistManifest } from './mnist-manifest.js';
import { CHECKPOINT_FILES } from '../train/checkpoint-files.js';

/** What {@link evaluateDigits} scores: a generator's samples, real test digits (the ceiling) or uniform noise (the floor). */
export type EvalSubject = 'generator' | 'real' | 'noise';

/** Options of {@link evaluateDigits}. */
export interface EvaluateDigitsOptions {
  /** @default 'generator' */
  readonly subject?: EvalSubject;
  /** For `generator`: a checkpoint folder, a run folder (its newest checkpoint) or a generator `model.json`. */
  readonly generator?: string;
  /** The MNIST shard-set folder. @default the one the checkpoint's run recorded (`evalData`, else `data` when a folder) */
  readonly data?: string;
  /** Image side for `real` and `noise`. @default the generator's, else the shard set's */
  readonly size?: number;
  /** @default 2000 */
  readonly images?: number;
  /** First noise seed. @default 0 */
  readonly seed?: number;
  /** @default {@link CLASSIFIER_TRAINING} */
  readonly classifier?: Partial<ClassifierTraining>;
  /** Train the classifier on only the first N train digits. @default all */
  readonly trainLimit?: number;
  /** @default 'auto' */
  readonly backend?: BackendPreference;
  readonly trainProgress?: ProgressSink;
  readonly scoreProgress?: ProgressSink;
}

/** What {@link evaluateDigits} found. */
export interface DigitEvaluation {
  readonly subject: EvalSubject;
  /** The generator's model.json (subject `generator`). */
  readonly generator: string | undefined;
  readonly data: string;
  readonly size: number;
  readonly backend: string;
  readonly classifier: { readonly path: string; readonly testAccuracy: number; readonly testImages: number; readonly trained: boolean; readonly trainSeconds: number };
  readonly rules: typeof SCORE_RULES;
  /** The score of the subject. */
  readonly score: DigitScore;
  /** Real test digits, a held-out half against the other half: the ceiling. */
  readonly real: DigitScore;
}

/**
 * The digit score of a generator (or of real digits, or of noise): trains or loads the
 * shard set's classifier at the generator's size, scores `images` samples of seeded noise and
 * as many real test digits, each against the other half of the test digits.
 */
export async function evaluateDigits(options: EvaluateDigitsOptions): Promise<DigitEvaluation> {
  const subject = options.subject ?? 'generator';
  // tfjs and sharp load here, not when the package is imported
  const [{ loadGenerator }, { selectBackend }, { createDigitEvaluator }] = await Promise.all([
    import('../train/sample/load-generator.js'),
    import('../train/backend.js'),
    import('./digit-evaluator.js'),
  ]);
  if (subject === 'generator' && options.generator === undefined) throw new InvalidParameterError('generator', 'a checkpoint, run folder or model.json to score', undefined);
  const generator = subject === 'generator' ? await loadGenerator(options.generator!, { ...(options.backend !== undefined ? { backend: options.backend } : {}) }) : undefined;
  try {
    const data = options.data ?? (await recordedData(generator?.source.checkpoint));
    if (data === undefined) throw new InvalidParameterError('data', 'the MNIST shard-set folder (the checkpoint records none that exists here)', data);
    const manifest = await readMnistManifest(data);
    if (generator && generator.channels !== 1) throw new InvalidParameterError('generator', 'a generator of one-channel MNIST digits', `${generator.channels}-channel images (${generator.source.modelJson ?? options.generator})`);
    const size = generator?.size ?? options.size ?? manifest.image.height!;
    if (generator && options.size !== undefined && options.size !== generator.size) throw new InvalidParameterError('size', `the generator's size ${generator.size} (or none)`, options.size);
    const backend = generator?.backend ?? (await selectBackend(options.backend ?? 'auto'));
    const evaluator = await createDigitEvaluator(backend, {
      data,
      size,
      ...pick(options, ['images', 'seed', 'classifier', 'trainLimit', 'trainProgress']),
    });
    try {
      const score =
        subject === 'real' ? evaluator.real : subject === 'noise' ? await evaluator.scoreNoise(options.scoreProgress) : await evaluator.scoreGenerator(generator!.model, options.scoreProgress);
      const c = evaluator.classifier;
      return {
        subject,
        generator: generator?.source.modelJson,
        data,
        size,
        backend: backend.description,
        classifier: { path: c.path, testAccuracy: c.testAccuracy, testImages: c.testImages, trained: c.trained, trainSeconds: c.trainSeconds },
        rules: SCORE_RULES,
        score,
        real: evaluator.real,
      };
    } finally {
      evaluator.dispose();
    }
  } finally {
    generator?.dispose();
  }
}

/** The MNIST shard set a checkpoint's run trained or scored on, when it is a folder that exists here. */
async function recordedData(checkpoint: string | undefined): Promise<string | undefined> {
  if (checkpoint === undefined || !existsSync(join(checkpoint, CHECKPOINT_FILES.manifest))) return undefined;
  let meta: { evalData?: unknown; data?: unknown } = {};
  try {
    meta = ((JSON.parse(await readFile(join(checkpoint, CHECKPOINT_FILES.manifest), 'utf8')) as { meta?: typeof meta }).meta ?? {});
  } catch {
    return undefined;
  }
  for (const dir of [meta.evalData, meta.data]) if (typeof dir === 'string' && existsSync(join(dir, MANIFEST_FILE))) return dir;
  return undefined;
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Partial<Pick<T, K>>;
}
