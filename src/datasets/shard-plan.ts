import { FRAMING_BYTES } from '../tfrecord/framing.js';

/** One planned shard: the inputs `[start, end)` of its partition. */
export interface PlannedShard {
  readonly index: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Split `count` inputs into `shards` contiguous ranges of near-equal size. The ranges depend
 * only on the two numbers, so a re-run plans the same shards and skipped inputs only make a
 * shard smaller. At most `count` shards (at least one, when there are inputs).
 */
export function planShards(count: number, shards: number): PlannedShard[] {
  const total = Math.max(1, Math.min(shards, count));
  if (count === 0) return [];
  const out: PlannedShard[] = [];
  for (let k = 0; k < total; k++) out.push({ index: k, start: Math.floor((k * count) / total), end: Math.floor(((k + 1) * count) / total) });
  return out;
}

/** Evenly spread input positions to convert for estimating the size of a record. */
export function samplePositions(count: number, samples: number): number[] {
  const n = Math.min(count, samples);
  return Array.from({ length: n }, (_, i) => Math.floor(((i + 0.5) * count) / n));
}

/** Shards needed for `count` records of about `recordBytes` each, at most `shardBytes` per shard. */
export function shardCountFor(count: number, recordBytes: number, shardBytes: number): number {
  return Math.max(1, Math.ceil((count * (recordBytes + FRAMING_BYTES)) / shardBytes));
}
