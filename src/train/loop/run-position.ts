import type { LrSchedule } from '../lr-schedule.js';
import type { CheckpointMeta } from '../checkpoint.js';
import type { GanStepResult } from '../gan-step.js';
import type { LossRow } from '../outputs/loss-log.js';

/** Where a run stands: what its checkpoints record, so that a resumed run goes on exactly. */
export interface RunPosition extends CheckpointMeta {
  /** The epoch being trained (zero-based); the next one once an epoch is done. */
  readonly epoch: number;
  /** Batches of `epoch` done. */
  readonly batch: number;
  /** Steps of the whole run (the seed of each step's noise and dropout). */
  readonly step: number;
  /** Real_P, Fake_P, Gen_loss and Dis_loss summed over the steps of `epoch` so far. */
  readonly sums: readonly [number, number, number, number];
  /** Steps summed in `sums`. */
  readonly steps: number;
  readonly saveName: string;
  readonly model: { readonly size: number; readonly channels: number; readonly noiseDim: number; readonly widthMult: number };
  readonly seed: number;
  readonly batchSize: number;
  /** The learning-rate schedule (absent in checkpoints written before it existed: 'step'). */
  readonly lrSchedule?: LrSchedule;
}

/** The position of a run that starts from the beginning. */
export function startPosition(what: Pick<RunPosition, 'saveName' | 'model' | 'seed' | 'batchSize' | 'lrSchedule'>): RunPosition {
  return { epoch: 0, batch: 0, step: 0, sums: [0, 0, 0, 0], steps: 0, ...what };
}

/** After batch `batch` (zero-based) of `epoch`: one step more, its statistics added to the epoch's sums. */
export function afterStep(p: RunPosition, epoch: number, batch: number, r: GanStepResult): RunPosition {
  return {
    ...p,
    epoch,
    batch: batch + 1,
    step: p.step + 1,
    steps: p.steps + 1,
    sums: [p.sums[0] + r.realP, p.sums[1] + r.fakeP, p.sums[2] + r.genLoss, p.sums[3] + r.disLoss],
  };
}

/** The loss CSV row of `epoch`, just finished: the means over its steps. */
export function epochRow(p: RunPosition, epoch: number): LossRow {
  const n = p.steps;
  return { epoch, Real_P: p.sums[0] / n, Fake_P: p.sums[1] / n, Gen_loss: p.sums[2] / n, Dis_loss: p.sums[3] / n };
}

/** The start of the epoch after `epoch`. */
export function nextEpoch(p: RunPosition, epoch: number): RunPosition {
  return { ...p, epoch: epoch + 1, batch: 0, sums: [0, 0, 0, 0], steps: 0 };
}

/** The checkpoint folder name after `epochsDone` whole epochs. */
export const epochCheckpointName = (epochsDone: number): string => `epoch-${String(epochsDone).padStart(3, '0')}`;

/** The checkpoint folder name of a run stopped mid-epoch after `step` steps. */
export const stepCheckpointName = (step: number): string => `step-${String(step).padStart(8, '0')}`;
