import { CorruptRecordError } from '../../core/errors.js';
import { parseRecordAt } from '../../tfrecord/framing.js';
import type { ShardFile } from '../catalog.js';

const UNCHECKED = 0;
const GOOD = 1;
const BAD = 2;

/**
 * Records `first…first+count−1` of a shard in one buffer, the record cache's unit (a segment of
 * a shard, or one record). The buffer is filled by one read per block (consecutive records),
 * when a stream first needs one of the block's records. A record's framing, and its CRCs when
 * verifying, is checked the first time it is asked for and remembered, so a shuffled first epoch
 * checks each record when a batch needs it rather than every record of a read as it comes in.
 */
export class RecordRun {
  readonly first: number;
  readonly count: number;
  private readonly state: Uint8Array;
  private errors: Map<number, CorruptRecordError> | undefined;
  /** Per block: the end (in `bytes`) of what its read filled; −1 until it is read. */
  private readonly filled: Float64Array;
  /** Per block: its read while in flight (none for a run made from a read already done). */
  private reads: (Promise<void> | undefined)[] | undefined;
  /** The chunk worker's checks of blocks read, while any is out. */
  private checks: Promise<void> | undefined;

  /**
   * `starts`: the first record of each block, ascending, then the end (exclusive) of the last
   * block; `bytes` holds the records as in the shard, record `starts[0]` at 0.
   */
  constructor(
    readonly shard: ShardFile,
    readonly bytes: Buffer,
    private readonly starts: readonly number[],
    private readonly verify: boolean,
  ) {
    this.first = starts[0]!;
    this.count = starts[starts.length - 1]! - this.first;
    this.state = new Uint8Array(this.count);
    this.filled = new Float64Array(starts.length - 1).fill(-1);
  }

  /** The block holding record `position`. */
  blockOf(position: number): number {
    // The last block starting at or before `position` (empty blocks start where the next one does).
    let lo = 0;
    let hi = this.starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Where block `block` goes: `at` in `bytes`, `length` bytes, from `offset` in the shard. */
  extent(block: number): { readonly at: number; readonly length: number; readonly offset: number } {
    const { offsets, sizes } = this.shard.index;
    const base = offsets[this.first]!;
    const a = this.starts[block]!;
    const b = this.starts[block + 1]!;
    if (a === b) return { at: 0, length: 0, offset: base };
    return { at: offsets[a]! - base, length: offsets[b - 1]! + sizes[b - 1]! - offsets[a]!, offset: offsets[a]! };
  }

  /** Blocks of the run. */
  get blocks(): number {
    return this.filled.length;
  }

  /** Whether block `block` has been read. */
  isRead(block: number): boolean {
    return this.filled[block]! >= 0;
  }

  /** The read of block `block` while it is in flight. */
  reading(block: number): Promise<void> | undefined {
    return this.reads?.[block];
  }

  /** Note the read of block `block` in flight (undefined: it failed and may be tried again). */
  setReading(block: number, read: Promise<void> | undefined): void {
    (this.reads ??= new Array<Promise<void> | undefined>(this.filled.length))[block] = read;
  }

  /** Block `block` has been read: `bytesRead` of its extent (fewer when the file ended early). */
  markRead(block: number, bytesRead: number): void {
    this.filled[block] = this.extent(block).at + bytesRead;
    if (this.reads) this.reads[block] = undefined;
  }

  /**
   * Records found good elsewhere (the chunk worker checked them as it read their block):
   * `[start, end)` pairs in `bytes`, ascending. A record whose extent matches its index entry
   * is not checked again; any other is checked on first use, as always.
   */
  private vouch(good: readonly number[]): void {
    if (good.length === 0) return;
    const { offsets, sizes } = this.shard.index;
    const base = offsets[this.first]!;
    const end = this.first + this.count;
    // the walk starts at the first record at or after good[0], then goes along
    let position = lowerBound(offsets, base + good[0]!);
    for (let i = 0; i < good.length && position < end; i += 2) {
      while (position < end && offsets[position]! - base < good[i]!) position++;
      if (position < end && offsets[position]! - base === good[i] && sizes[position] === good[i + 1]! - good[i]!) {
        const j = position - this.first;
        if (this.state[j] === UNCHECKED) this.state[j] = GOOD;
      }
    }
  }

  /** Vouch for what `check` (the chunk worker's check of a block just read) finds good, once it is in. */
  vouchWhenChecked(check: Promise<readonly number[]>): void {
    const vouched = check.then(
      (good) => this.vouch(good),
      () => undefined, // (the worker is gone) the records are checked here on first use
    );
    this.checks = this.checks ? Promise.all([this.checks, vouched]).then(() => undefined) : vouched;
  }

  /** Settles once every check handed to {@link vouchWhenChecked} so far is in. */
  checked(): Promise<void> {
    return this.checks ?? Promise.resolve();
  }

  /** Framed record `position` of the shard (its block read), or its error when it is corrupt. */
  record(position: number): Buffer | CorruptRecordError {
    const j = position - this.first;
    const { offsets, sizes } = this.shard.index;
    const at = offsets[position]! - offsets[this.first]!;
    const size = sizes[position]!;
    if (this.state[j] === UNCHECKED) this.check(j, position, at, size);
    if (this.state[j] === BAD) return this.errors!.get(j)!;
    return this.bytes.subarray(at, at + size);
  }

  private check(j: number, position: number, at: number, size: number): void {
    const end = Math.min(this.filled[this.blockOf(position)]!, at + size);
    const r = parseRecordAt(this.bytes, at, Math.max(at, end), this.verify);
    if (r.status === 'ok' && r.next === at + size) {
      this.state[j] = GOOD;
      return;
    }
    const kind = r.status === 'corrupt' ? r.kind : r.status === 'need' ? 'truncated-data' : 'bad-length';
    this.state[j] = BAD;
    this.errors ??= new Map();
    this.errors.set(j, new CorruptRecordError(this.shard.name, this.shard.index.offsets[position]!, position, kind));
  }
}

/** First index of sorted `a` whose value is ≥ `v`. */
export function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
