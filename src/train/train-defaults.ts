// Apart from trainer.ts (which loads tfjs) so that dcgan-train --help can show them.

/** The defaults of `TrainOptions` (see `train`). */
export const TRAIN_DEFAULTS = {
  epochs: 35,
  batchSize: 128,
  lr: 2e-4,
  lrSchedule: 'step',
  noiseDim: 100,
  seed: 0,
  rank: 0,
  world: 1,
  independentReplicas: false,
  requireGpu: false,
  out: 'runs',
  backend: 'auto',
  widthMult: 1,
  size: 64,
  saveEvery: 15,
  resume: false,
  format: 'tensor',
} as const;
