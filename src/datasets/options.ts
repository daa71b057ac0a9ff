import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { InvalidParameterError } from '../core/errors.js';

/** Options every converter has. */
export interface CommonConvertOptions {
  readonly out: string;
  readonly size: number;
  readonly workers: number;
  readonly shards?: number;
  readonly shardSizeMb?: number;
  readonly limit?: number;
}

/** Largest `size` accepted (a sanity bound, not a limit of the format). */
export const MAX_SIZE = 4096;

/** Check the options shared by the converters; a bad one is an {@link InvalidParameterError} naming it. */
export function checkCommonOptions(o: CommonConvertOptions): void {
  if (typeof o.out !== 'string' || o.out === '') throw new InvalidParameterError('out', 'a folder path', o.out);
  if (!(Number.isInteger(o.size) && o.size >= 0 && o.size <= MAX_SIZE)) throw new InvalidParameterError('size', `an integer from 0 to ${MAX_SIZE}`, o.size);
  if (!(Number.isInteger(o.workers) && o.workers >= 1 && o.workers <= 256)) throw new InvalidParameterError('workers', 'an integer from 1 to 256', o.workers);
  if (o.shards !== undefined && !(Number.isInteger(o.shards) && o.shards >= 1 && o.shards <= 99_999)) {
    throw new InvalidParameterError('shards', 'an integer from 1 to 99999', o.shards);
  }
  if (o.shardSizeMb !== undefined && !(Number.isFinite(o.shardSizeMb) && o.shardSizeMb > 0)) {
    throw new InvalidParameterError('shardSizeMb', 'a positive number of MiB', o.shardSizeMb);
  }
  if (o.shards !== undefined && o.shardSizeMb !== undefined) {
    throw new InvalidParameterError('shards', 'either shards or shardSizeMb, not both', o.shards);
  }
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 1)) throw new InvalidParameterError('limit', 'a positive integer', o.limit);
}

/** Read an image file; a missing or unreadable one is a skip (named by `display`), not a failure. */
export async function readImageFile(path: string, display: string): Promise<{ readonly bytes: Buffer } | { readonly skip: string }> {
  try {
    return { bytes: await readFile(path) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { skip: `missing image file: ${display}` };
    return { skip: `unreadable image file: ${display}: ${code ?? (error as Error).message}` };
  }
}

/** Threads of libuv's pool, where sharp and file reads run (fixed when the process starts). */
export function threadPoolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/**
 * Images in flight by default: two per core, so that a core never waits for a read or for the
 * next job while records are written in order (measured in bench/convert.ts), but no more than
 * the thread pool runs at once.
 */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(2 * availableParallelism(), threadPoolSize()));
}

/**
 * A warning when `workers` is more than the thread pool runs at once, else undefined. (On a
 * machine with more than 2 cores per 4 pool threads, UV_THREADPOOL_SIZE=2×cores and
 * `--workers` 2×cores use every core.)
 */
export function threadPoolWarning(workers: number): string | undefined {
  const pool = threadPoolSize();
  if (workers <= pool) return undefined;
  return `--workers ${workers} but libuv's thread pool has ${pool} threads: start with UV_THREADPOOL_SIZE=${workers} to run them all at once`;
}
