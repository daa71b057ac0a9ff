import { describe, expect, it } from 'vitest';
import { learningRateAt, scheduledLearningRate } from '../../src/train/lr-schedule.js';

describe('scheduledLearningRate', () => {
  it('is the reference step schedule for step, whatever the run length', () => {
    for (const epoch of [0, 9, 10, 19, 20, 25, 40]) expect(scheduledLearningRate('step', epoch, 12, 3e-3)).toBe(learningRateAt(epoch, 3e-3));
  });

  it('falls from base towards 0 along half a cosine wave, one value per epoch', () => {
    expect(scheduledLearningRate('cosine', 0, 4, 1)).toBe(1);
    expect(scheduledLearningRate('cosine', 2, 4, 1)).toBeCloseTo(0.5, 12);
    expect(scheduledLearningRate('cosine', 3, 4, 1)).toBeCloseTo((1 + Math.cos((3 * Math.PI) / 4)) / 2, 12);
    const rates = Array.from({ length: 24 }, (_, e) => scheduledLearningRate('cosine', e, 24, 3e-3));
    expect(rates.every((r, i) => i === 0 || r < rates[i - 1]!)).toBe(true);
    expect(rates.at(-1)).toBeGreaterThan(0);
  });

  it('falls along a straight line for linear', () => {
    expect([0, 1, 2, 3].map((e) => scheduledLearningRate('linear', e, 4, 2))).toEqual([2, 1.5, 1, 0.5]);
  });

  it('names a bad epoch count or schedule', () => {
    expect(() => scheduledLearningRate('cosine', 4, 4, 1)).toThrow('Expected an integer above the epoch 4 for epochs but received 4 of type number');
    expect(() => scheduledLearningRate('linear', 1, 2.5, 1)).toThrow('for epochs but received 2.5 of type number');
    expect(() => scheduledLearningRate('bogus' as 'step', 0, 4, 1)).toThrow('Expected one of step, cosine, linear for schedule but received');
    expect(() => scheduledLearningRate('cosine', -1, 4, 1)).toThrow('Expected a non-negative integer for epoch but received -1 of type number');
  });
});
