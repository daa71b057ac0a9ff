import { startEpochEval, type EpochEval } from '../eval/epoch-eval.js';
import type { SelectedBackend } from './backend.js';
import { setLearningRate } from './gan-step.js';
import { scheduledLearningRate } from './lr-schedule.js';
import { epochSteps } from './loop/epoch-steps.js';
import { openRun } from './loop/open-run.js';
import { saveRunCheckpoint, writeEpochOutputs, writeFinalOutputs } from './loop/run-outputs.js';
import { afterStep, epochCheckpointName, epochRow, nextEpoch, stepCheckpointName } from './loop/run-position.js';
import type { LossRow } from './outputs/loss-log.js';
import { resolveTrainOptions } from './resolve-train-options.js';
import type { RunLayout } from './run-layout.js';
import type { TrainOptions } from './train-options.js';

export { TRAIN_DEFAULTS } from './train-defaults.js';
export { resolveTrainOptions, type ResolvedTrainOptions } from './resolve-train-options.js';
export type { StepInfo, TrainEvalOptions, TrainOptions, TrainStartInfo } from './train-options.js';

/** What a run produced. */
export interface TrainResult {
  readonly layout: RunLayout;
  readonly rows: readonly LossRow[];
  /** Epochs completed, counting those of earlier runs of a resumed one. */
  readonly epochsDone: number;
  /** The newest checkpoint folder. */
  readonly checkpoint: string | undefined;
  readonly interrupted: boolean;
  readonly backend: SelectedBackend;
}

/**
 * Train the DCGAN of DESIGN §7 from a stream or shard set, writing the outputs of a run: the
 * options resolved ({@link resolveTrainOptions}), the run opened (backend, data, model, resume),
 * then each epoch's steps, its CSV row and grid, its checkpoint and score; at the end the GIF and plots.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const o = resolveTrainOptions(options);
  const run = await openRun(o);
  let { position, checkpoint } = run.start;
  const rows = [...run.start.rows];
  let interrupted = false;
  let epochEval: EpochEval | undefined;
  try {
    if (o.eval) epochEval = await startEpochEval(run.backend, run.layout, o.size, position.epoch, o.eval);
    for (let epoch = position.epoch; epoch < o.epochs && !interrupted; epoch++) {
      setLearningRate(run.optimizers, scheduledLearningRate(o.lrSchedule, epoch, o.epochs, o.lr));
      let epochStart = performance.now();
      for await (const step of epochSteps(run, epoch, epoch === position.epoch ? position.batch : 0, position.step)) {
        position = afterStep(position, epoch, step.batch, step.info);
        epochStart = step.epochStart;
        o.onStep?.(step.info);
        if (o.signal?.aborted && step.batch + 1 < run.stepsPerEpoch) {
          interrupted = true;
          checkpoint = await saveRunCheckpoint(run, position, stepCheckpointName(position.step));
          break;
        }
      }
      if (interrupted) break;

      const row = epochRow(position, epoch);
      rows.push(row);
      await writeEpochOutputs(run, rows, epoch);
      position = nextEpoch(position, epoch);
      o.onEpoch?.(row, { epochs: o.epochs, seconds: (performance.now() - epochStart) / 1000 });
      await epochEval?.afterEpoch(epoch, run.dcgan.generator, epoch + 1 === o.epochs);
      if ((epoch + 1) % o.saveEvery === 0 || epoch + 1 === o.epochs || o.signal?.aborted) {
        checkpoint = await saveRunCheckpoint(run, position, epochCheckpointName(epoch + 1));
      }
      if (o.signal?.aborted && epoch + 1 < o.epochs) interrupted = true;
    }
  } finally {
    await run.close();
    epochEval?.dispose();
  }

  if (!interrupted) await writeFinalOutputs(run.layout, rows);
  if (!interrupted) await epochEval?.finish();
  const result = { layout: run.layout, rows, epochsDone: position.epoch, checkpoint, interrupted, backend: run.backend };
  run.dispose();
  return result;
}
