import type { TrainOptions, TrainResult } from './trainer.js';

/**
 * Train the DCGAN (DESIGN §7) as `dcgan-train` does; see {@link TrainOptions}. TensorFlow.js is
 * loaded on the first call, so importing the package stays light for readers, servers and converters.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const trainer = await import('./trainer.js');
  return trainer.train(options);
}
