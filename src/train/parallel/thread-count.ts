import { availableParallelism } from 'node:os';
import { InvalidParameterError } from '../../core/errors.js';

/** The default number of training threads on a backend: every core on wasm and cpu, 1 on tensorflow (it threads itself). */
export function defaultThreads(backend: string): number {
  return backend === 'wasm' || backend === 'cpu' ? availableParallelism() : 1;
}

/**
 * The threads a run trains on: `requested` (or {@link defaultThreads}), at most one per row of the
 * batch. More than one on the tensorflow backend is refused: libtensorflow already uses every core.
 */
export function resolveThreads(requested: number | undefined, backend: string, batchSize: number): number {
  if (requested !== undefined && (!Number.isSafeInteger(requested) || requested < 1)) throw new InvalidParameterError('threads', 'a positive integer', requested);
  if (requested !== undefined && requested > 1 && backend !== 'wasm' && backend !== 'cpu') {
    throw new InvalidParameterError('threads', `1 on the ${backend} backend (it uses every core itself; threads are for wasm and cpu)`, requested);
  }
  return Math.min(requested ?? defaultThreads(backend), batchSize);
}
