import type { RecordIndex } from '../tfrecord/record-index.js';
import type { Manifest } from '../shards/manifest.js';

/**
 * Where the files of a shard set (DESIGN §3) are read from: a local directory or a base URL.
 * Names passed in are shard names from a validated manifest, so they are safe to join.
 */
export interface ShardStore {
  /** The directory or base URL, for messages. */
  readonly location: string;
  /** How messages name a file of the set: its path or URL. */
  describe(name: string): string;
  /** `manifest.json`, validated. */
  manifest(): Promise<Manifest>;
  /** The `.index` file of a shard, checked against the shard's `size` in the manifest (see `parseIndex`). */
  index(shard: string, size: number): Promise<RecordIndex>;
  /**
   * Bytes `[offset, offset + length)` of a shard; `size` is the shard's size in the manifest,
   * checked against the file so that a replaced shard is noticed.
   */
  read(shard: string, offset: number, length: number, size: number): Promise<Buffer>;
  close(): Promise<void>;
}
