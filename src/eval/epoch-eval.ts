import type { SelectedBackend } from '../train/backend.js';
import type { RunLayout } from '../train/run-layout.js';
import { writeEvalPlot } from '../train/outputs/plots.js';
import type * as tf from '@tensorflow/tfjs';
import { createDigitEvaluator, type DigitEvaluator, type DigitEvaluatorOptions } from './digit-evaluator.js';
import type { DigitScore } from './digit-score.js';
import { evalPaths, evalRow, readEvalCsv, writeEvalCsv, type EvalRow } from './eval-log.js';

/** The per-epoch score of a training run (`dcgan-train --eval-every`). */
export interface EpochEvalOptions extends Omit<DigitEvaluatorOptions, 'size'> {
  /** Score after every N-th epoch and after the last. */
  readonly every: number;
  /** Told once the classifier is ready, with the real digits' score (the ceiling). */
  readonly onReady?: (info: { readonly evaluator: DigitEvaluator; readonly csv: string }) => void;
  /** Told of every epoch's score. */
  readonly onScore?: (row: EvalRow, score: DigitScore) => void;
}

/** What the trainer calls: after each epoch, and once at the end. */
export interface EpochEval {
  afterEpoch(epoch: number, generator: tf.LayersModel, last: boolean): Promise<void>;
  /** Writes the eval plot. */
  finish(): Promise<void>;
  dispose(): void;
}

/**
 * Prepares the per-epoch score of a run at `size`: the classifier and the real digits'
 * ceiling, and the eval CSV with the rows of the epochs before `startEpoch` (a resumed run).
 * The reference's loss CSV is never touched. The options are checked by `resolveTrainOptions`.
 */
export async function startEpochEval(backend: SelectedBackend, layout: RunLayout, size: number, startEpoch: number, options: EpochEvalOptions): Promise<EpochEval> {
  const paths = evalPaths(layout);
  const evaluator = await createDigitEvaluator(backend, { ...options, size });
  const rows = (await readEvalCsv(paths.csv)).filter((r) => r.epoch < startEpoch);
  await writeEvalCsv(paths.csv, rows);
  options.onReady?.({ evaluator, csv: paths.csv });
  return {
    async afterEpoch(epoch, generator, last) {
      if ((epoch + 1) % options.every !== 0 && !last) return;
      const score = await evaluator.scoreGenerator(generator);
      const row = evalRow(epoch, score);
      rows.push(row);
      await writeEvalCsv(paths.csv, rows);
      options.onScore?.(row, score);
    },
    async finish() {
      if (rows.length > 0) await writeEvalPlot(paths.plot, rows);
    },
    dispose: () => evaluator.dispose(),
  };
}
