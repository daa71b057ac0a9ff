import { InvalidParameterError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';

/** Limits of a shard server; every one has a default ({@link DEFAULT_LIMITS}). */
export interface ShardServerLimits {
  /** Streams served at once; one more gets `503` with `Retry-After`. @default 64 */
  readonly maxStreams?: number;
  /** Largest `batch_size` accepted. @default 4096 */
  readonly maxBatchSize?: number;
  /** Batches a stream prepares ahead of the client. @default 4 */
  readonly readAhead?: number;
  /** Bytes a stream prepares ahead of the client (at least one batch is always allowed). @default 64 MiB */
  readonly readAheadBytes?: number;
  /** Bytes of records kept in the record cache shared by all streams. @default 512 MiB */
  readonly cacheBytes?: number;
  /** Bytes of decoded images (with their CRCs) kept for tensor streams, shared by all of them. @default 512 MiB */
  readonly imageCacheBytes?: number;
  /** Images decoded at once over all streams (they run in libuv's thread pool). @default 8 */
  readonly decodeConcurrency?: number;
  /** Check both CRCs of each record read from disk before it enters the cache. @default true */
  readonly verifyRecords?: boolean;
  /** Most ranges served in one multipart response; more are answered with the whole file. @default 256 */
  readonly maxRanges?: number;
  /** Milliseconds to receive a whole request (Node's `server.requestTimeout`). @default 30000 */
  readonly requestTimeoutMs?: number;
  /** Milliseconds an idle keep-alive connection stays open. @default 5000 */
  readonly keepAliveTimeoutMs?: number;
  /** Milliseconds a response may make no progress (a client that reads nothing) before it is cut. @default 120000 */
  readonly stallTimeoutMs?: number;
  /** `Retry-After` seconds sent with `503`. @default 5 */
  readonly retryAfterSeconds?: number;
  /** Permutations kept for reuse (one per dataset, partitions, seed and epoch). @default 8 */
  readonly permutationCacheEntries?: number;
}

/** Options of {@link createShardServer}. */
export interface ShardServerOptions extends ShardServerLimits {
  /** Folder with one shard set (`manifest.json` at its root) or one shard set per sub-folder. */
  readonly data: string;
  /** Address to listen on. @default '127.0.0.1' */
  readonly host?: string;
  /** Port; 0 picks a free one. @default 8080 */
  readonly port?: number;
  /** Bearer token every route but `/healthz` requires. @default none (no authentication) */
  readonly token?: string;
  /** Receives one access-log line per request; `false` for none. @default a line on stdout */
  readonly accessLog?: ((line: string) => void) | false;
  /** Receives server events worth a log line (stream failures, preloads). @default a line on stderr */
  readonly log?: (line: string) => void;
  /**
   * Once listening, read every dataset that fits in the record cache into it (in the background,
   * dataset by dataset while they fit), checking each record: the first epoch is then served
   * from memory, like later ones. @default false
   */
  readonly preload?: boolean;
  /**
   * Before listening, read every shard set in full and check it against its manifest (each
   * shard's size, sha256 and record count, every record's CRCs, every index line); any problem
   * refuses to start, with an error that lists them. Takes a read of all the data. @default false
   */
  readonly verify?: boolean;
  /** Where `verify` reports how far it got (bytes read). @default none */
  readonly progress?: ProgressSink;
}

/** The defaults of {@link ShardServerLimits}. */
export const DEFAULT_LIMITS: Required<ShardServerLimits> = {
  maxStreams: 64,
  maxBatchSize: 4096,
  readAhead: 4,
  readAheadBytes: 64 * 1024 * 1024,
  cacheBytes: 512 * 1024 * 1024,
  imageCacheBytes: 512 * 1024 * 1024,
  decodeConcurrency: 8,
  verifyRecords: true,
  maxRanges: 256,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  stallTimeoutMs: 120_000,
  retryAfterSeconds: 5,
  permutationCacheEntries: 8,
};

/** Limits with defaults filled in, each checked. */
export function resolveLimits(options: ShardServerLimits): Required<ShardServerLimits> {
  const out: Record<string, number | boolean> = {};
  for (const [key, def] of Object.entries(DEFAULT_LIMITS) as [keyof ShardServerLimits, number | boolean][]) {
    const value = options[key] ?? def;
    if (typeof def === 'boolean') {
      if (typeof value !== 'boolean') throw new InvalidParameterError(key, 'a boolean', value);
    } else {
      const min = key === 'cacheBytes' || key === 'imageCacheBytes' || key === 'retryAfterSeconds' || key === 'permutationCacheEntries' ? 0 : 1;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new InvalidParameterError(key, `an integer ≥ ${min}`, value);
    }
    out[key] = value;
  }
  return out as Required<ShardServerLimits>;
}
