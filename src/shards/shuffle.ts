import { InvalidParameterError } from '../core/errors.js';

/*
 * The shuffle order of DESIGN §4, written so that a short Python script reproduces it
 * (scripts/shuffle_reference.py does, and a test compares the two):
 *
 *   key   = seed · 2^32 + epoch            (seed and epoch are integers in [0, 2^32))
 *   a, b  = the first two outputs of SplitMix64 started at state `key`
 *   state = xoshiro128** with s = [a mod 2^32, a >> 32, b mod 2^32, b >> 32]
 *   perm  = [0, 1, …, N−1]
 *   for i = N−1 down to 1:
 *       j = floor((next32() / 2^32) · (i + 1))     (IEEE double arithmetic)
 *       swap perm[i], perm[j]
 */

const M64 = (1n << 64n) - 1n;

function splitmix64(state: bigint): [bigint, bigint] {
  const s = (state + 0x9e3779b97f4a7c15n) & M64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return [s, z ^ (z >> 31n)];
}

/** xoshiro128** seeded from (seed, epoch) through SplitMix64; yields unsigned 32-bit integers. */
export class ShuffleRng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, epoch: number) {
    checkU32('seed', seed);
    checkU32('epoch', epoch);
    const key = (BigInt(seed) << 32n) | BigInt(epoch);
    const [st, a] = splitmix64(key);
    const [, b] = splitmix64(st);
    this.s0 = Number(a & 0xffffffffn);
    this.s1 = Number(a >> 32n);
    this.s2 = Number(b & 0xffffffffn);
    this.s3 = Number(b >> 32n);
  }

  /** The next unsigned 32-bit output. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkU32(param: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidParameterError(param, 'an integer from 0 to 4294967295', v);
}

/** The permutation of [0, n) for epoch `epoch` under `seed` (Fisher–Yates over {@link ShuffleRng}). */
export function permutation(n: number, seed: number, epoch: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidParameterError('n', 'an integer from 0 to 4294967295', n);
  const rng = new ShuffleRng(seed, epoch);
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((rng.next() / 4294967296) * (i + 1));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** How one rank's batches are cut from an epoch's permutation. */
export interface BatchPlanOptions {
  /** Records in the selected partitions (N). */
  readonly records: number;
  /** Per-trainer batch size (b). */
  readonly batchSize: number;
  /** Number of trainers. @default 1 */
  readonly world?: number;
  /** This trainer, 0 ≤ rank < world. @default 0 */
  readonly rank?: number;
  /** Drop the last N mod (b·world) positions of each epoch. @default true */
  readonly dropRemainder?: boolean;
}

/**
 * Batches each rank gets per epoch. With `dropRemainder` it is floor(N / (b·world)); without,
 * ceil(N / (b·world)), where the last global batch (R = N mod (b·world) records) is split into
 * `world` contiguous slices, rank r taking positions [floor(r·R/world), floor((r+1)·R/world)) of it —
 * so sizes differ by at most one, and a rank's last batch may be empty when R < world.
 */
export function batchesPerEpoch(options: BatchPlanOptions): number {
  const { records, batchSize, world, dropRemainder } = normalise(options);
  const global = batchSize * world;
  return dropRemainder ? Math.floor(records / global) : Math.ceil(records / global);
}

/** Permutation positions [start, end) of batch `k` of `rank` within the epoch. */
export function batchPositions(options: BatchPlanOptions, k: number): { start: number; end: number } {
  const { records, batchSize, world, rank } = normalise(options);
  const count = batchesPerEpoch(options);
  if (!Number.isInteger(k) || k < 0 || k >= count) throw new InvalidParameterError('batch', `an integer from 0 to ${count - 1}`, k);
  const global = batchSize * world;
  const full = Math.floor(records / global);
  if (k < full) {
    const start = k * global + rank * batchSize;
    return { start, end: start + batchSize };
  }
  const rest = records - full * global;
  const base = full * global;
  return { start: base + Math.floor((rank * rest) / world), end: base + Math.floor(((rank + 1) * rest) / world) };
}

/** Global record ids of batch `k` of `rank`, read from the epoch's permutation. */
export function batchRecordIds(perm: Uint32Array, options: BatchPlanOptions, k: number): Uint32Array {
  const { start, end } = batchPositions(options, k);
  return perm.subarray(start, end);
}

function normalise(o: BatchPlanOptions): Required<BatchPlanOptions> {
  const world = o.world ?? 1;
  const rank = o.rank ?? 0;
  if (!Number.isSafeInteger(o.records) || o.records < 0) throw new InvalidParameterError('records', 'a non-negative integer', o.records);
  if (!Number.isSafeInteger(o.batchSize) || o.batchSize < 1) throw new InvalidParameterError('batch_size', 'a positive integer', o.batchSize);
  if (!Number.isSafeInteger(world) || world < 1) throw new InvalidParameterError('world', 'a positive integer', world);
  if (!Number.isSafeInteger(rank) || rank < 0 || rank >= world) throw new InvalidParameterError('rank', `an integer from 0 to ${world - 1}`, rank);
  return { records: o.records, batchSize: o.batchSize, world, rank, dropRemainder: o.dropRemainder ?? true };
}
