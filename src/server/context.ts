import type { Catalog } from './catalog.js';
import type { Limiter } from '../core/limiter.js';
import type { ShardServerLimits } from './options.js';
import type { PermutationCache } from './cache/permutation-cache.js';
import type { RecordReader } from './cache/record-reader.js';
import type { LruCache } from '../core/lru.js';
import type { ServerMetrics } from './server-metrics.js';
import type { StreamImage } from './stream/tensor-decode.js';
import type { StreamTracker } from './stream/tracker.js';

/** What the routes share: the datasets, limits, metrics, cache and the streams in progress. */
export interface ServerContext {
  readonly catalog: Catalog;
  readonly limits: Required<ShardServerLimits>;
  readonly metrics: ServerMetrics;
  readonly reader: RecordReader;
  /** Decoded images with their CRCs, shared by all tensor streams. */
  readonly images: LruCache<number, StreamImage>;
  /** crc32cShiftTable(bytes), computed once per image size. */
  readonly shiftTable: (bytes: number) => Uint32Array;
  readonly permutations: PermutationCache;
  readonly decodeLimiter: Limiter;
  /** The streams holding a slot. */
  readonly streams: StreamTracker;
  /** Server events worth a log line. */
  readonly log: (line: string) => void;
  /** True once close() has begun. */
  readonly isClosing: () => boolean;
}
