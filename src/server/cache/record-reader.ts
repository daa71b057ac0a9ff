import { type CorruptRecordError, InvalidStateError } from '../../core/errors.js';
import { coalesceReads, type RecordTable } from '../../shards/record-table.js';
import { ChunkChecker, sharedBuffer } from '../../tfrecord/chunk-checker.js';
import type { Dataset, ShardFile } from '../catalog.js';
import { LruCache } from '../../core/lru.js';
import { lowerBound, RecordRun } from './record-run.js';

/** Counters the reader reports to. */
export interface RecordReaderMetrics {
  readonly cacheHits: { inc(labels?: Record<string, string>, by?: number): void };
  readonly cacheMisses: { inc(labels?: Record<string, string>, by?: number): void };
  readonly diskReadBytes: { inc(labels?: Record<string, string>, by?: number): void };
}

/** Options of {@link RecordReader}. */
export interface RecordReaderOptions {
  /** Bytes the record cache shared by all streams may hold; 0 disables it. */
  readonly cacheBytes: number;
  readonly metrics: RecordReaderMetrics;
  /** Check both CRCs of records read from disk. @default true */
  readonly verify?: boolean;
  /** Largest single read of adjacent records. @default 4 MiB */
  readonly maxReadBytes?: number;
  /** Aligned part of a shard read at once when the whole dataset fits in the cache. @default 1 MiB */
  readonly blockBytes?: number;
  /** Aligned part of a shard cached as one buffer (of blocks) when the whole dataset fits in the cache. @default 16 MiB */
  readonly segmentBytes?: number;
  /**
   * When the whole dataset fits in the cache, have the process's chunk worker thread check the
   * records of each block read (a record a stream needs before then is checked here, as without
   * it): the event loop then checks hardly any. Segments are then shared memory. @default true
   */
  readonly offThread?: boolean;
}

const UID_FACTOR = 2 ** 32;

/** What {@link RecordReader.preload} did. */
export interface PreloadResult {
  readonly records: number;
  readonly bytes: number;
  /** Records that failed their check (streams that ask for them fail, naming the first). */
  readonly corrupt: number;
  readonly firstError: CorruptRecordError | undefined;
}

/**
 * Fetches framed records (header, data and CRC, as in the shard) by global id: from the shared
 * cache, from a read already in flight for another stream, or from disk. Each record is checked
 * once, the first time a stream asks for it ({@link RecordRun}).
 *
 * When a dataset fits in the cache, its cache unit is an aligned segment of a shard
 * (`segmentBytes`: the records that start in it), whose buffer is allocated whole when one of
 * its records is first asked for and filled one block (`blockBytes`) at a time, as records of
 * the block are asked for: a shuffled first epoch reads each block once, with one read, and a
 * batch waits only for the blocks of its own records. One cache entry per segment, rather than
 * one per record, keeps the cache cheap to fill and light on the garbage collector.
 * Otherwise (the cache holds a part of the dataset only, and neighbours would likely be evicted
 * unused) the unit is one record, and a batch's misses are read with one read per run of
 * adjacent records.
 */
export class RecordReader {
  private readonly cache: LruCache<number, RecordRun>;
  /** Records being read one by one (datasets that do not fit in the cache), by key. */
  private readonly pending = new Map<number, { readonly read: Promise<RecordRun[]>; readonly index: number }>();
  private readonly metrics: RecordReaderMetrics;
  private readonly verify: boolean;
  private readonly maxReadBytes: number;
  private readonly blockBytes: number;
  private readonly segmentBytes: number;
  /** Whether the chunk worker checks the records of each block read (segments are then shared memory). */
  private readonly checkOffThread: boolean;
  /** Its session, opened on the first block read (the worker starts then, if it is not running). */
  private checker: ChunkChecker | undefined;
  private records = 0;

  constructor(options: RecordReaderOptions) {
    this.cache = new LruCache({ maxBytes: options.cacheBytes, sizeOf: (run) => run.bytes.length, onRemove: (_, run) => (this.records -= run.count) });
    this.metrics = options.metrics;
    this.verify = options.verify ?? true;
    this.maxReadBytes = options.maxReadBytes ?? 4 * 1024 * 1024;
    this.blockBytes = options.blockBytes ?? 1024 * 1024;
    this.segmentBytes = Math.max(this.blockBytes, options.segmentBytes ?? 16 * 1024 * 1024);
    this.checkOffThread = (options.offThread ?? true) && this.verify;
  }

  /** End the session with the chunk worker once its checks are done. */
  async close(): Promise<void> {
    await this.checker?.close();
  }

  /** Bytes the cache may hold. */
  get capacity(): number {
    return this.cache.capacity;
  }

  /** Bytes the cache holds. */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  /** Records the cache holds (those of a segment count from its allocation, as its bytes do). */
  get cachedRecords(): number {
    return this.records;
  }

  /** The cache key of record `id` of `table` (a table of `dataset`): unique over the server. */
  keyOf(dataset: Dataset, table: RecordTable, id: number): number {
    const loc = table.locate(id);
    return dataset.shard(loc.shard.name).uid * UID_FACTOR + loc.position;
  }

  /** The framed records `ids` (global ids of `table`, a table of `dataset`), in the order of `ids`. */
  async read(dataset: Dataset, table: RecordTable, ids: ArrayLike<number>): Promise<Buffer[]> {
    const out = new Array<Buffer>(ids.length);
    const waits: Promise<void>[] = [];
    let failure: Error | undefined;
    const take = (run: RecordRun, position: number, slot: number): void => {
      const r = run.record(position);
      if (r instanceof Error) failure ??= r;
      else out[slot] = r;
    };
    const misses = this.fits(dataset) ? this.readFromSegments(dataset, table, ids, take, waits) : this.readRecords(dataset, table, ids, take, waits);
    if (ids.length > misses) this.metrics.cacheHits.inc({}, ids.length - misses);
    if (misses > 0) this.metrics.cacheMisses.inc({}, misses);
    await Promise.all(waits);
    if (failure) throw failure;
    return out;
  }

  /** Whether all of `dataset` fits in the cache (its records are then cached by segment). */
  fits(dataset: Dataset): boolean {
    return dataset.bytes <= this.cache.capacity;
  }

  /**
   * Read all of `dataset` (which must {@link fits fit}) into the cache, shard by shard, segment
   * by segment, checking every record as a stream would the first time it asks for it: an epoch
   * after it is served from memory. Stops early, with what it did so far, once `stop()` is true.
   */
  async preload(dataset: Dataset, stop: () => boolean = () => false): Promise<PreloadResult> {
    if (!this.fits(dataset)) throw new InvalidStateError(dataset.name, `${dataset.bytes} bytes do not fit in a record cache of ${this.cache.capacity}`);
    let records = 0;
    let bytes = 0;
    let corrupt = 0;
    let firstError: CorruptRecordError | undefined;
    for (const shard of dataset.shards.values()) {
      const { offsets } = shard.index;
      for (let position = 0; position < offsets.length && !stop(); ) {
        const run = this.segment(shard, offsets[position]!);
        const reads: Promise<void>[] = [];
        for (let block = 0; block < run.blocks; block++) {
          if (!run.isRead(block)) reads.push(run.reading(block) ?? this.readBlock(run, block));
        }
        await Promise.all(reads);
        await run.checked(); // records the worker vouched for are not checked again here
        for (let p = run.first; p < run.first + run.count; p++) {
          const r = run.record(p);
          if (r instanceof Error) {
            corrupt++;
            firstError ??= r;
          } else bytes += r.length;
        }
        records += run.count;
        position = run.first + run.count;
      }
    }
    return { records, bytes, corrupt, firstError };
  }

  /** {@link read} for a dataset that fits in the cache: records from their segment, reading the blocks missing. Returns the misses. */
  private readFromSegments(dataset: Dataset, table: RecordTable, ids: ArrayLike<number>, take: (run: RecordRun, position: number, slot: number) => void, waits: Promise<void>[]): number {
    // Records whose block is being read wait for that read: one wait per block, with the
    // (position, slot) pairs of its records; a block whose read this call starts holds misses.
    const groups = new Map<Promise<void>, { readonly run: RecordRun; readonly started: boolean; readonly at: number[] }>();
    let misses = 0;
    for (let slot = 0; slot < ids.length; slot++) {
      const loc = table.locate(ids[slot]!);
      const run = this.segment(dataset.shard(loc.shard.name), loc.offset);
      const block = run.blockOf(loc.position);
      if (run.isRead(block)) {
        take(run, loc.position, slot);
        continue;
      }
      const inflight = run.reading(block);
      let group = inflight && groups.get(inflight);
      if (!group) {
        group = { run, started: inflight === undefined, at: [] };
        groups.set(inflight ?? this.readBlock(run, block), group);
      }
      if (group.started) misses++;
      group.at.push(loc.position, slot);
    }
    for (const [reading, { run, at }] of groups) {
      waits.push(
        reading.then(() => {
          for (let i = 0; i < at.length; i += 2) take(run, at[i]!, at[i + 1]!);
        }),
      );
    }
    return misses;
  }

  /** The cached segment of `shard` holding the record at `offset`, allocated (and cached) when absent. */
  private segment(shard: ShardFile, offset: number): RecordRun {
    const index = Math.floor(offset / this.segmentBytes);
    const key = shard.uid * UID_FACTOR + index;
    let run = this.cache.get(key);
    if (!run) {
      const { offsets, sizes } = shard.index;
      const start = index * this.segmentBytes;
      const end = Math.min(start + this.segmentBytes, shard.bytes);
      const starts: number[] = [];
      for (let at = start; at < end; at += this.blockBytes) starts.push(lowerBound(offsets, at));
      starts.push(lowerBound(offsets, end));
      const first = starts[0]!;
      const last = starts[starts.length - 1]! - 1;
      const size = offsets[last]! + sizes[last]! - offsets[first]!;
      run = new RecordRun(shard, this.checkOffThread ? sharedBuffer(size) : Buffer.allocUnsafeSlow(size), starts, this.verify);
      this.cache.set(key, run);
      if (this.cache.has(key)) this.records += run.count;
    }
    return run;
  }

  /** Read block `block` of a segment into its buffer; until then, requests for its records join this read. */
  private readBlock(run: RecordRun, block: number): Promise<void> {
    const { at, length, offset } = run.extent(block);
    const read = run.shard.handle.read(run.bytes, at, length, offset).then(
      ({ bytesRead }) => {
        this.metrics.diskReadBytes.inc({}, bytesRead);
        run.markRead(block, bytesRead);
        // The worker checks the block's records meanwhile; those a stream needs before it is done are checked here.
        if (this.checkOffThread) run.vouchWhenChecked((this.checker ??= new ChunkChecker()).check(run.bytes, at, bytesRead));
      },
      (error: unknown) => {
        run.setReading(block, undefined);
        throw error;
      },
    );
    run.setReading(block, read);
    return read;
  }

  /** {@link read} for a dataset larger than the cache: cached records, and one read per run of adjacent misses. Returns the misses. */
  private readRecords(dataset: Dataset, table: RecordTable, ids: ArrayLike<number>, take: (run: RecordRun, position: number, slot: number) => void, waits: Promise<void>[]): number {
    const join = (read: Promise<RecordRun[]>, index: number, position: number, slot: number): void => {
      waits.push(read.then((runs) => take(runs[index]!, position, slot)));
    };
    const slots = new Map<number, number>();
    for (let slot = 0; slot < ids.length; slot++) {
      const loc = table.locate(ids[slot]!);
      const key = dataset.shard(loc.shard.name).uid * UID_FACTOR + loc.position;
      const run = this.cache.get(key);
      const inflight = run ? undefined : this.pending.get(key);
      if (run) take(run, loc.position, slot);
      else if (inflight) join(inflight.read, inflight.index, loc.position, slot);
      else slots.set(ids[slot]!, slot);
    }
    for (const r of coalesceReads(table, [...slots.keys()], { maxGap: 0, maxLength: this.maxReadBytes })) {
      const shard = dataset.shard(r.shard.name);
      const positions = r.parts.map((p) => p.id - r.shard.firstRecord);
      const read = this.startRead(shard, positions);
      r.parts.forEach((p, j) => join(read, j, positions[j]!, slots.get(p.id)!));
    }
    return slots.size;
  }

  /**
   * Read adjacent records `positions` of a shard with one read, and cache each; until then,
   * requests for them join this read.
   */
  private startRead(shard: ShardFile, positions: readonly number[]): Promise<RecordRun[]> {
    const keys = positions.map((p) => shard.uid * UID_FACTOR + p);
    const read = this.readAdjacent(shard, positions).then(
      (runs) => {
        runs.forEach((run, j) => {
          const key = keys[j]!;
          this.pending.delete(key);
          this.cache.set(key, run);
          if (this.cache.has(key)) this.records += run.count;
        });
        return runs;
      },
      (error: unknown) => {
        for (const key of keys) this.pending.delete(key);
        throw error;
      },
    );
    keys.forEach((key, index) => this.pending.set(key, { read, index }));
    return read;
  }

  /** One read for adjacent records `positions`, a run of one record each (views into one buffer). */
  private async readAdjacent(shard: ShardFile, positions: readonly number[]): Promise<RecordRun[]> {
    const { offsets, sizes } = shard.index;
    const first = positions[0]!;
    const last = positions[positions.length - 1]!;
    const offset = offsets[first]!;
    const buf = Buffer.allocUnsafeSlow(offsets[last]! + sizes[last]! - offset);
    const { bytesRead } = await shard.handle.read(buf, 0, buf.length, offset);
    this.metrics.diskReadBytes.inc({}, bytesRead);
    return positions.map((p) => {
      const at = offsets[p]! - offset;
      const run = new RecordRun(shard, buf.subarray(at, at + sizes[p]!), [p, p + 1], this.verify);
      run.markRead(0, Math.max(0, Math.min(bytesRead - at, sizes[p]!)));
      return run;
    });
  }
}
