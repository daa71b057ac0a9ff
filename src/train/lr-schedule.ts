import { InvalidParameterError } from '../core/errors.js';

/** Epochs (zero-based) from which the learning rate is divided by a further 10 (DESIGN §7). */
export const LR_MILESTONES: readonly number[] = [10, 20, 25];

/**
 * The learning rate of zero-based epoch `epoch`: `base` divided by 10 once for every milestone
 * reached, so with the defaults epochs 0–9 use base, 10–19 base/10, 20–24 base/100, 25+ base/1000.
 */
export function learningRateAt(epoch: number, base: number, milestones: readonly number[] = LR_MILESTONES): number {
  if (!Number.isInteger(epoch) || epoch < 0) throw new InvalidParameterError('epoch', 'a non-negative integer', epoch);
  if (typeof base !== 'number' || !Number.isFinite(base) || base <= 0) {
    throw new InvalidParameterError('base', 'a positive finite learning rate', base);
  }
  const drops = milestones.filter((m) => epoch >= m).length;
  return base / 10 ** drops;
}

/**
 * How the learning rate falls over a run: `step` is the reference's (÷10 at each of
 * {@link LR_MILESTONES}); `cosine` and `linear` fall from base at epoch 0 towards 0 at `epochs`
 * (half a cosine wave, or a straight line), one value per epoch.
 */
export const LR_SCHEDULES = ['step', 'cosine', 'linear'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** The learning rate of zero-based `epoch` of a run of `epochs` epochs under `schedule`. */
export function scheduledLearningRate(schedule: LrSchedule, epoch: number, epochs: number, base: number): number {
  const step = learningRateAt(epoch, base); // checks epoch and base
  if (schedule === 'step') return step;
  if (!Number.isInteger(epochs) || epochs <= epoch) throw new InvalidParameterError('epochs', `an integer above the epoch ${epoch}`, epochs);
  const t = epoch / epochs;
  if (schedule === 'cosine') return (base * (1 + Math.cos(Math.PI * t))) / 2;
  if (schedule === 'linear') return base * (1 - t);
  throw new InvalidParameterError('schedule', `one of ${LR_SCHEDULES.join(', ')}`, schedule);
}
