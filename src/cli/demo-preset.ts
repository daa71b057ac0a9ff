// Apart from demo.ts (which runs its CLI when imported) so that bench/preset-sweep.ts can read it.

/**
 * The CPU preset: a 1/8-width reference DCGAN at 16×16, 4,800 steps of 32 images, about 5 minutes
 * of training on an idle 2-core machine (0.060 s/step measured, one WASM thread). Measured with
 * bench/preset-sweep.ts (README "The main job"): the score of the last epoch grows with the steps
 * (1,920 → 3,840 → 4,800 steps: 55.5 → 59.6 → 62.0 % recognised, FID 32.8 → 21.2 → 19.8), and a
 * cosine fall of the lr from 6e-3 towards 0 beats the step schedule (49.9 %, FID 45.2 at 1,920
 * steps of lr 3e-3 with lr/10 from epoch 10); falling to lr/10 and lr/100 earlier (42.6 %), lr 5e-3
 * (48.9 %), a cosine from 1e-2 (52.1 %) and width 1/4 (2.4× the time per step: 58.3 %, FID 32.3
 * in the same 5 minutes) do worse. 60 epochs of 80 steps give the cosine 60 values. MNIST is
 * converted straight to 16×16, so the trainer needs no resize.
 */
export const DEMO_PRESET = {
  size: 16,
  widthMult: 1 / 8,
  noiseDim: 32,
  batchSize: 32,
  epochs: 60,
  stepsPerEpoch: 80,
  lr: 6e-3,
  lrSchedule: 'cosine',
  seed: 1,
} as const;
