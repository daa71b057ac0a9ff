import { CorruptRecordError } from '../core/errors.js';
import { parseRecordAt } from '../tfrecord/framing.js';
import { coalesceReads, type RecordTable } from '../shards/record-table.js';
import type { Dataset, ShardFile } from './catalog.js';
import type { LruCache } from './lru.js';

/** Counters the reader reports to. */
export interface RecordReaderMetrics {
  readonly cacheHits: { inc(labels?: Record<string, string>, by?: number): void };
  readonly cacheMisses: { inc(labels?: Record<string, string>, by?: number): void };
  readonly diskReadBytes: { inc(labels?: Record<string, string>, by?: number): void };
}

/** Options of {@link RecordReader}. */
export interface RecordReaderOptions {
  /** The cache shared by all streams; keys are `shard uid · 2^32 + position`, values framed records. */
  readonly cache: LruCache<number, Buffer>;
  readonly metrics: RecordReaderMetrics;
  /** Check both CRCs of records read from disk. @default true */
  readonly verify?: boolean;
  /** Largest single read of adjacent records. @default 4 MiB */
  readonly maxReadBytes?: number;
  /** Block of a shard read at once when the whole dataset fits in the cache. @default 1 MiB */
  readonly blockBytes?: number;
}

const UID_FACTOR = 2 ** 32;

/** One read: consecutive records `first…` of a shard. */
interface Run {
  readonly shard: ShardFile;
  readonly first: number;
  readonly count: number;
}

/**
 * Fetches framed records (header, data and CRC, as in the shard) by global id: from the shared
 * cache, from a read already in flight for another stream, or from disk. Records read from
 * disk are checked once, then cached.
 *
 * Reads: when a dataset fits in the cache, a miss reads the whole aligned block of the shard
 * around the record (`blockBytes`) and caches every record in it, so a shuffled first epoch
 * reads each block once instead of making one small read per record; otherwise (the cache holds
 * a part of the dataset only, and neighbours would likely be evicted unused) a batch's misses
 * are read with one read per run of adjacent records. Cached records are views into their
 * read's buffer: in block mode a block stays in memory while any of its records is cached,
 * which is what block mode expects anyway (the whole dataset cached).
 */
export class RecordReader {
  /** Records being read: the read of their run, and their place in it. */
  private readonly pending = new Map<number, { readonly run: Promise<(Buffer | CorruptRecordError)[]>; readonly index: number }>();
  private readonly verify: boolean;
  private readonly maxReadBytes: number;
  private readonly blockBytes: number;

  constructor(private readonly options: RecordReaderOptions) {
    this.verify = options.verify ?? true;
    this.maxReadBytes = options.maxReadBytes ?? 4 * 1024 * 1024;
    this.blockBytes = options.blockBytes ?? 1024 * 1024;
  }

  /** Reads in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** The cache key of record `id` of `table` (a table of `dataset`): unique over the server. */
  keyOf(dataset: Dataset, table: RecordTable, id: number): number {
    const loc = table.locate(id);
    return dataset.shard(loc.shard.name).uid * UID_FACTOR + loc.position;
  }

  /** The framed records `ids` (global ids of `table`, a table of `dataset`), in the order of `ids`. */
  async read(dataset: Dataset, table: RecordTable, ids: ArrayLike<number>): Promise<Buffer[]> {
    const { cache, metrics } = this.options;
    const out = new Array<Buffer>(ids.length);
    const waits: Promise<void>[] = [];
    const missing: number[] = [];
    const slotOf = new Map<number, number>();
    let hits = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const key = this.keyOf(dataset, table, id);
      const cached = cache.get(key);
      if (cached) {
        out[i] = cached;
        hits++;
        continue;
      }
      const inflight = this.pending.get(key);
      if (inflight) {
        waits.push(
          inflight.run.then((records) => {
            const r = records[inflight.index]!;
            if (r instanceof Error) throw r;
            out[i] = r;
          }),
        );
        hits++;
        continue;
      }
      slotOf.set(key, i);
      missing.push(id);
    }
    if (hits > 0) metrics.cacheHits.inc({}, hits);
    if (missing.length > 0) {
      metrics.cacheMisses.inc({}, missing.length);
      const runs = dataset.bytes <= cache.capacity ? this.blockRuns(dataset, table, missing) : this.adjacentRuns(dataset, table, missing);
      for (const run of runs) waits.push(this.startRun(run, out, slotOf));
    }
    await Promise.all(waits);
    return out;
  }

  /** One read per run of adjacent missing records. */
  private adjacentRuns(dataset: Dataset, table: RecordTable, missing: number[]): Run[] {
    return coalesceReads(table, missing, { maxGap: 0, maxLength: this.maxReadBytes }).map((r) => ({
      shard: dataset.shard(r.shard.name),
      first: r.parts[0]!.id - r.shard.firstRecord,
      count: r.parts.length,
    }));
  }

  /** One read per aligned block holding missing records: all records that start in the block. */
  private blockRuns(dataset: Dataset, table: RecordTable, missing: number[]): Run[] {
    const runs = new Map<string, Run>();
    for (const id of missing) {
      const loc = table.locate(id);
      const shard = dataset.shard(loc.shard.name);
      const block = Math.floor(loc.offset / this.blockBytes);
      const key = `${shard.uid}:${block}`;
      if (runs.has(key)) continue;
      const offsets = shard.index.offsets;
      const first = lowerBound(offsets, block * this.blockBytes);
      const end = lowerBound(offsets, (block + 1) * this.blockBytes);
      runs.set(key, { shard, first, count: end - first });
    }
    return [...runs.values()];
  }

  /** Read a run, cache its good records, and fill the slots of `out` that asked for them. */
  private startRun(run: Run, out: Buffer[], slotOf: Map<number, number>): Promise<void> {
    const { cache } = this.options;
    const base = run.shard.uid * UID_FACTOR;
    const reading = this.readRun(run);
    const mine: number[] = [];
    for (let j = 0; j < run.count; j++) {
      const key = base + run.first + j;
      // A record already in flight elsewhere keeps its own read; the others wait on this one.
      if (this.pending.has(key)) continue;
      mine.push(key);
      this.pending.set(key, { run: reading, index: j });
    }
    return reading.then(
      (records) => {
        let failure: Error | undefined;
        records.forEach((r, j) => {
          const key = base + run.first + j;
          const slot = slotOf.get(key);
          if (r instanceof Error) {
            // A bad neighbour read along in a block fails only the batches that want it.
            if (slot !== undefined) failure ??= r;
            return;
          }
          if (!cache.has(key)) cache.set(key, r);
          if (slot !== undefined) out[slot] = r;
        });
        for (const key of mine) this.pending.delete(key);
        if (failure) throw failure;
      },
      (error: unknown) => {
        for (const key of mine) this.pending.delete(key);
        throw error;
      },
    );
  }

  /**
   * Read records `first…first+count−1` of a shard with one read and check each one's framing
   * (and CRCs when verifying); a record that fails is returned as its error.
   */
  private async readRun({ shard, first, count }: Run): Promise<(Buffer | CorruptRecordError)[]> {
    const { offsets, sizes } = shard.index;
    const offset = offsets[first]!;
    const length = offsets[first + count - 1]! + sizes[first + count - 1]! - offset;
    const buf = Buffer.allocUnsafeSlow(length);
    const { bytesRead } = await shard.handle.read(buf, 0, length, offset);
    this.options.metrics.diskReadBytes.inc({}, bytesRead);
    const records = new Array<Buffer | CorruptRecordError>(count);
    for (let j = 0; j < count; j++) {
      const at = offsets[first + j]! - offset;
      const size = sizes[first + j]!;
      const r = parseRecordAt(buf, at, Math.min(bytesRead, at + size), this.verify);
      if (r.status !== 'ok' || r.next !== at + size) {
        const kind = r.status === 'corrupt' ? r.kind : r.status === 'need' ? 'truncated-data' : 'bad-length';
        records[j] = new CorruptRecordError(shard.name, offset + at, first + j, kind);
      } else {
        records[j] = buf.subarray(at, at + size);
      }
    }
    return records;
  }
}

/** First index of sorted `a` whose value is ≥ `v`. */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
