import { InvalidParameterError } from '../../core/errors.js';

/** The rows of a batch one replica trains on. */
export interface BatchSlice {
  readonly offset: number;
  readonly rows: number;
}

/**
 * Splits `batchSize` rows over `parts` replicas as evenly as possible, in order: the first
 * `batchSize % parts` slices get one row more (a batch of 10 on 4 threads: 3, 3, 2, 2). Gradients
 * and reported means weight each slice by its rows, so uneven slices give the same training.
 */
export function splitBatch(batchSize: number, parts: number): BatchSlice[] {
  if (!Number.isSafeInteger(parts) || parts < 1) throw new InvalidParameterError('threads', 'a positive integer', parts);
  if (!Number.isSafeInteger(batchSize) || batchSize < parts) {
    throw new InvalidParameterError('batch', `at least one row per training thread (${parts})`, batchSize);
  }
  const base = Math.floor(batchSize / parts);
  const extra = batchSize % parts;
  const slices: BatchSlice[] = [];
  let offset = 0;
  for (let k = 0; k < parts; k++) {
    const rows = base + (k < extra ? 1 : 0);
    slices.push({ offset, rows });
    offset += rows;
  }
  return slices;
}
