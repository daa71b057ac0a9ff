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
