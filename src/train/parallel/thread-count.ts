import { availableParallelism } from 'node:os';
import { InvalidParameterError } from '../../core/errors.js';

/**
 * Weights (both nets) from which data-parallel threads pay on wasm and cpu. Each replica repeats
 * the work of a step that does not shrink with its slice (op dispatch, Adam, BN and gradient
 * exchange): measured with bench:train-threads, 2 threads cost 1.26× the CPU per image of one on
 * the reference 64×64 model (~1.6× faster on 2 free cores), but 1.55–1.9× on the 1/8- and
 * 1/16-width models of the main job and bench:train (no faster at all).
 */
export const THREADS_PAY_FROM_WEIGHTS = 1_000_000;

/**
 * The default number of training threads: on wasm and cpu every core for a model of at least
 * {@link THREADS_PAY_FROM_WEIGHTS} weights, else 1; 1 on tensorflow (it threads itself).
 */
export function defaultThreads(backend: string, weights: number): number {
  return (backend === 'wasm' || backend === 'cpu') && weights >= THREADS_PAY_FROM_WEIGHTS ? availableParallelism() : 1;
}

/**
 * The threads a run trains on: `requested` (or {@link defaultThreads}), at most one per row of the
 * batch. More than one on the tensorflow backend is refused: libtensorflow already uses every core.
 */
export function resolveThreads(requested: number | undefined, backend: string, batchSize: number, weights: number): number {
  if (requested !== undefined && (!Number.isSafeInteger(requested) || requested < 1)) throw new InvalidParameterError('threads', 'a positive integer', requested);
  if (requested !== undefined && requested > 1 && backend !== 'wasm' && backend !== 'cpu') {
    throw new InvalidParameterError('threads', `1 on the ${backend} backend (it uses every core itself; threads are for wasm and cpu)`, requested);
  }
  return Math.min(requested ?? defaultThreads(backend, weights), batchSize);
}
