import { InvalidInputError, OutOfRangeError } from '../core/errors.js';
import type { RecordIndex } from '../tfrecord/record-index.js';
import type { Manifest } from './manifest.js';
import { selectPartitions } from './manifest.js';

/** One shard in global record order. */
export interface TableShard {
  readonly name: string;
  readonly partition: string;
  /** Global id of the shard's first record. */
  readonly firstRecord: number;
  readonly records: number;
  readonly bytes: number;
  readonly index: RecordIndex;
}

/** Where one record is. */
export interface RecordLocation {
  readonly shard: TableShard;
  /** Position in the shard. */
  readonly position: number;
  readonly offset: number;
  /** Size including the 16 framing bytes. */
  readonly size: number;
}

/**
 * Global record numbering over a set of partitions (DESIGN §4): partition order as requested,
 * then shard, then position. Built from the manifest and each shard's index.
 */
export class RecordTable {
  private constructor(
    readonly shards: readonly TableShard[],
    readonly records: number,
  ) {}

  /**
   * Build the table; `loadIndex` fetches a shard's index (from disk or over HTTP) and checks it
   * against the shard's size in the manifest. Index record counts must agree with the manifest.
   */
  static async build(
    manifest: Manifest,
    partitions: readonly string[],
    loadIndex: (shardName: string, shardBytes: number) => Promise<RecordIndex>,
    source = 'manifest',
  ): Promise<RecordTable> {
    const shards: TableShard[] = [];
    let first = 0;
    for (const part of selectPartitions(manifest, partitions, source)) {
      const indexes = await Promise.all(part.shards.map((s) => loadIndex(s.name, s.bytes)));
      part.shards.forEach((s, i) => {
        const index = indexes[i]!;
        if (index.offsets.length !== s.records) {
          throw new InvalidInputError(`${s.name}.index`, `holds ${index.offsets.length} records but the manifest says ${s.records}`);
        }
        shards.push({ name: s.name, partition: part.name, firstRecord: first, records: s.records, bytes: s.bytes, index });
        first += s.records;
      });
    }
    return new RecordTable(shards, first);
  }

  /** Locate global record `id`. */
  locate(id: number): RecordLocation {
    if (!Number.isInteger(id) || id < 0 || id >= this.records) throw new OutOfRangeError('id', `record id ${id} is outside [0, ${this.records})`);
    let lo = 0;
    let hi = this.shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.shards[mid]!.firstRecord <= id) lo = mid;
      else hi = mid - 1;
    }
    const shard = this.shards[lo]!;
    const position = id - shard.firstRecord;
    return { shard, position, offset: shard.index.offsets[position]!, size: shard.index.sizes[position]! };
  }
}

/** A run of records adjacent in one shard, fetched with one read or Range request. */
export interface CoalescedRead {
  readonly shard: TableShard;
  readonly offset: number;
  readonly length: number;
  /** The ids served by this read, with each record's offset relative to `offset`. */
  readonly parts: readonly { readonly id: number; readonly at: number; readonly size: number }[];
}

/**
 * Group the records of `ids` into reads of adjacent byte ranges (in the order the ranges appear
 * in the files); `maxGap` bytes between two records still join them, `maxLength` caps one read.
 */
export function coalesceReads(table: RecordTable, ids: ArrayLike<number>, options: { maxGap?: number; maxLength?: number } = {}): CoalescedRead[] {
  const maxGap = options.maxGap ?? 0;
  const maxLength = options.maxLength ?? 8 * 1024 * 1024;
  const locs = Array.from(ids, (id) => ({ id, loc: table.locate(id) }));
  locs.sort((a, b) => a.loc.shard.firstRecord - b.loc.shard.firstRecord || a.loc.offset - b.loc.offset);
  const out: { shard: TableShard; offset: number; length: number; parts: { id: number; at: number; size: number }[] }[] = [];
  for (const { id, loc } of locs) {
    const last = out[out.length - 1];
    if (last && last.shard === loc.shard && loc.offset >= last.offset + last.length && loc.offset - (last.offset + last.length) <= maxGap && loc.offset + loc.size - last.offset <= maxLength) {
      last.parts.push({ id, at: loc.offset - last.offset, size: loc.size });
      last.length = loc.offset + loc.size - last.offset;
    } else {
      out.push({ shard: loc.shard, offset: loc.offset, length: loc.size, parts: [{ id, at: 0, size: loc.size }] });
    }
  }
  return out;
}
