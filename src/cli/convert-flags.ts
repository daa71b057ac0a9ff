import { definedOnly } from '../core/defined-only.js';
import type { CommonConvertOptions } from '../datasets/options.js';
import { checkOptions } from './check-options.js';

// Only light imports here: a converter bin loads this before it parses its arguments (issue 13).

/** The flags every converter has. */
export interface CommonConvertFlags {
  out: string;
  size: number;
  workers: number;
  shardSize?: number;
  shards?: number;
  limit?: number;
  quiet: boolean;
}

/** The library options of the common flags (an absent flag is left out, so the library default holds). */
export function commonConvertOptions(flags: CommonConvertFlags): CommonConvertOptions {
  return { out: flags.out, size: flags.size, workers: flags.workers, ...definedOnly({ shards: flags.shards, shardSizeMb: flags.shardSize, limit: flags.limit }) };
}

/**
 * Check `options` with the converter's `resolve`, before any work: a bad option becomes a
 * usage error naming its flag (`flagOf` maps the library names that differ from the flag).
 */
export function checkConvertOptions<O>(resolve: (options: O) => unknown, options: O, flagOf: Readonly<Record<string, string>>): void {
  checkOptions(resolve, options, flagOf);
}

/**
 * Parallelism comes from running `workers` images at once on libuv's thread pool, one libvips
 * thread each (the pool has UV_THREADPOOL_SIZE threads, 4 by default; it is sized when the
 * process starts, so only the environment can change it). sharp's operation cache only costs
 * memory in a one-pass conversion.
 */
export function prepareSharp(sharp: typeof import('sharp').default): void {
  sharp.concurrency(1);
  sharp.cache(false);
}
