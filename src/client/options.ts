import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { definedOnly } from '../core/defined-only.js';
import { InvalidParameterError } from '../core/errors.js';
import { MAX_U32, STREAM_FORMATS, streamParam, type StreamFormat, type StreamParamName } from '../shards/stream-protocol.js';
import { RETRY_DEFAULTS, type RetryOptions, type RetryPolicy } from './retry.js';

export type { StreamFormat } from '../shards/stream-protocol.js';

/** How the source is read. `auto` tells a shard-server from a static file server by asking for `/v1/manifest`. */
export type SourceMode = 'auto' | 'stream' | 'direct';

/** Options of {@link batches} and {@link openBatchStream}. */
export interface BatchesOptions {
  /**
   * Where the data is: a shard-server URL (`http://host:8080`, or a whole `…/v1/stream?…` URL whose
   * query fills in the options not given here), the base URL of a shard set on a static server
   * (nginx, an S3-compatible bucket) or a local directory holding one.
   */
  readonly source: string | URL;
  /** @default 'auto' (a directory is read directly; a URL is asked for `/v1/manifest`) */
  readonly mode?: SourceMode;
  /** The dataset. @default the one the manifest names */
  readonly dataset?: string;
  /** Partitions, in the order records are numbered (DESIGN §4). @default all of the manifest's, in its order (as the server) */
  readonly partitions?: readonly string[];
  /** Records per batch of this trainer; required here or as `batch_size` in a stream URL. */
  readonly batchSize?: number;
  /** Shuffle seed, 0 to 2^32 − 1. @default 0 */
  readonly seed?: number;
  /** First epoch. @default 0 */
  readonly startEpoch?: number;
  /** Number of epochs; `Infinity` streams until stopped. Not together with `endEpoch`. @default 1 */
  readonly epochs?: number;
  /** Epoch to stop before, instead of `epochs`. */
  readonly endEpoch?: number;
  /** Batch of `startEpoch` to begin with, to resume from a checkpoint. @default 0 */
  readonly startBatch?: number;
  /** This trainer, 0 ≤ rank < world. @default 0 */
  readonly rank?: number;
  /** Number of trainers sharing each global batch. @default 1 */
  readonly world?: number;
  /** Drop the last N mod (batchSize·world) records of each epoch. @default true */
  readonly dropRemainder?: boolean;
  /** What the server sends (direct mode always decodes itself). @default 'tensor' */
  readonly format?: StreamFormat;
  /** Batches fetched and decoded ahead of the consumer. @default 4 */
  readonly prefetch?: number;
  /** Bearer token for the server. @default process.env.SHARDSTREAM_TOKEN */
  readonly token?: string;
  /** Retries of failed requests and dropped streams. @default {@link RETRY_DEFAULTS} */
  readonly retry?: RetryOptions;
  /** Milliseconds to wait for response headers. @default 30000 */
  readonly headersTimeout?: number;
  /** Milliseconds without body bytes (while the client is reading) before a stream counts as lost. @default 60000 */
  readonly bodyTimeout?: number;
  /** HTTP connections per origin (direct mode reads in parallel). @default 8 */
  readonly connections?: number;
  /** Direct mode: bytes between two records that still join them into one read. @default 0 (only adjacent records) */
  readonly coalesceGap?: number;
  /** Stops the stream and every request. */
  readonly signal?: AbortSignal;
}

/** Where the data is, once parsed. */
export type ResolvedSource = { readonly kind: 'dir'; readonly dir: string } | { readonly kind: 'url'; readonly url: URL; readonly streamUrl: boolean };

/** {@link BatchesOptions} validated, with every default filled in. */
export interface ResolvedOptions {
  readonly source: ResolvedSource;
  readonly mode: SourceMode;
  readonly dataset: string | undefined;
  /** undefined: all of the manifest's. */
  readonly partitions: readonly string[] | undefined;
  readonly batchSize: number;
  readonly seed: number;
  readonly startEpoch: number;
  /** Exclusive. */
  readonly endEpoch: number;
  readonly startBatch: number;
  readonly rank: number;
  readonly world: number;
  readonly dropRemainder: boolean;
  readonly format: StreamFormat;
  readonly prefetch: number;
  readonly token: string | undefined;
  readonly retry: RetryPolicy;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
  readonly connections: number;
  readonly coalesceGap: number;
  readonly signal: AbortSignal | undefined;
}

/** The defaults of {@link BatchesOptions}. */
export const BATCHES_DEFAULTS = {
  mode: 'auto',
  seed: 0,
  startEpoch: 0,
  epochs: 1,
  startBatch: 0,
  rank: 0,
  world: 1,
  dropRemainder: true,
  format: 'tensor',
  prefetch: 4,
  headersTimeout: 30_000,
  bodyTimeout: 60_000,
  connections: 8,
  coalesceGap: 0,
} as const;

const U32 = MAX_U32;
/** The formats, this client's default first. */
const FORMATS: readonly StreamFormat[] = [BATCHES_DEFAULTS.format, ...STREAM_FORMATS.filter((f) => f !== BATCHES_DEFAULTS.format)];
/** Query parameters of `/v1/stream` (every one of the protocol's) and the option each fills in. */
const STREAM_QUERY: Readonly<Record<StreamParamName, keyof BatchesOptions>> = {
  dataset: 'dataset',
  partitions: 'partitions',
  batch_size: 'batchSize',
  seed: 'seed',
  epoch: 'startEpoch',
  start_batch: 'startBatch',
  rank: 'rank',
  world: 'world',
  drop_remainder: 'dropRemainder',
  format: 'format',
};

/** Validate the options and fill in defaults; throws {@link InvalidParameterError} naming the option. */
export function resolveBatchesOptions(options: BatchesOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidParameterError('options', 'an object', options);
  const source = resolveSource(options.source);
  // Options from a stream URL's query are checked below like any other (the validators take unknown).
  const o = (source.kind === 'url' && source.streamUrl ? { ...queryOptions(source.url), ...definedOnly(options) } : options) as BatchesOptions;

  const mode = oneOf('mode', o.mode ?? BATCHES_DEFAULTS.mode, ['auto', 'stream', 'direct'] as const);
  if (source.kind === 'dir' && mode === 'stream') throw new InvalidParameterError('mode', '"direct" or "auto" for a directory source', mode);
  const startEpoch = integer('startEpoch', o.startEpoch ?? BATCHES_DEFAULTS.startEpoch, 0, U32);
  if (o.epochs !== undefined && o.endEpoch !== undefined) throw new InvalidParameterError('epochs', 'no value when endEpoch is given', o.epochs);
  let endEpoch: number;
  if (o.endEpoch !== undefined) endEpoch = integer('endEpoch', o.endEpoch, startEpoch, U32 + 1);
  else {
    const epochs = o.epochs ?? BATCHES_DEFAULTS.epochs;
    if (epochs !== Infinity && (typeof epochs !== 'number' || !Number.isInteger(epochs) || epochs < 0)) throw new InvalidParameterError('epochs', 'a non-negative integer or Infinity', epochs);
    endEpoch = Math.min(startEpoch + epochs, U32 + 1);
  }
  const world = integer('world', o.world ?? BATCHES_DEFAULTS.world, 1, U32);
  const token = o.token ?? (process.env.SHARDSTREAM_TOKEN || undefined);
  if (token !== undefined && (typeof token !== 'string' || token === '' || /[\r\n]/.test(token))) {
    throw new InvalidParameterError('token', 'a non-empty string without line breaks', token);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidParameterError('signal', 'an AbortSignal', o.signal);
  return {
    source,
    mode,
    dataset: o.dataset === undefined ? undefined : name('dataset', o.dataset),
    partitions: o.partitions === undefined ? undefined : partitions(o.partitions),
    batchSize: integer('batchSize', o.batchSize, 1, Number.MAX_SAFE_INTEGER),
    seed: integer('seed', o.seed ?? BATCHES_DEFAULTS.seed, 0, U32),
    startEpoch,
    endEpoch,
    startBatch: integer('startBatch', o.startBatch ?? BATCHES_DEFAULTS.startBatch, 0, Number.MAX_SAFE_INTEGER),
    rank: integer('rank', o.rank ?? BATCHES_DEFAULTS.rank, 0, world - 1),
    world,
    dropRemainder: boolean('dropRemainder', o.dropRemainder ?? BATCHES_DEFAULTS.dropRemainder),
    format: oneOf('format', o.format ?? BATCHES_DEFAULTS.format, FORMATS),
    prefetch: integer('prefetch', o.prefetch ?? BATCHES_DEFAULTS.prefetch, 1, 1024),
    token,
    retry: resolveRetry(o.retry ?? {}),
    headersTimeout: integer('headersTimeout', o.headersTimeout ?? BATCHES_DEFAULTS.headersTimeout, 0, 2 ** 31 - 1),
    bodyTimeout: integer('bodyTimeout', o.bodyTimeout ?? BATCHES_DEFAULTS.bodyTimeout, 0, 2 ** 31 - 1),
    connections: integer('connections', o.connections ?? BATCHES_DEFAULTS.connections, 1, 1024),
    coalesceGap: integer('coalesceGap', o.coalesceGap ?? BATCHES_DEFAULTS.coalesceGap, 0, 2 ** 31 - 1),
    signal: o.signal,
  };
}

/** A directory path, a `file:` URL or an `http(s):` URL. */
export function resolveSource(source: unknown): ResolvedSource {
  let url: URL | undefined;
  if (source instanceof URL) url = source;
  else if (typeof source === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    try {
      url = new URL(source);
    } catch {
      throw new InvalidParameterError('source', 'an http(s) URL or a directory', source);
    }
  } else if (typeof source === 'string' && source !== '') return { kind: 'dir', dir: resolve(source) };
  else throw new InvalidParameterError('source', 'an http(s) URL or a directory', source);
  if (url.protocol === 'file:') return { kind: 'dir', dir: fileURLToPath(url) };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidParameterError('source', 'an http(s) URL or a directory', String(url));
  if (url.username || url.password) throw new InvalidParameterError('source', 'a URL without credentials (use the token option)', `${url.protocol}//…@${url.host}`);
  const streamUrl = /\/v1\/stream\/?$/.test(url.pathname);
  return { kind: 'url', url, streamUrl };
}

/** The base of a shard-server or shard-set URL: no query, a path ending in `/`, `/v1/stream` removed. */
export function baseUrl(source: Extract<ResolvedSource, { kind: 'url' }>): URL {
  const u = new URL(source.url);
  u.search = '';
  u.hash = '';
  if (source.streamUrl) u.pathname = u.pathname.replace(/v1\/stream\/?$/, '');
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

/** Options from the query of a `…/v1/stream?…` source URL. */
function queryOptions(url: URL): Partial<Record<keyof BatchesOptions, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) {
    if (!Object.hasOwn(STREAM_QUERY, key)) throw new InvalidParameterError(`source query parameter ${JSON.stringify(key)}`, `one of ${Object.keys(STREAM_QUERY).join(', ')}`, key);
    const name = key as StreamParamName;
    const option = STREAM_QUERY[name];
    const type = streamParam(name).type;
    if (type === 'list') out[option] = value.split(',');
    else if (type === 'boolean') out[option] = value === 'true' ? true : value === 'false' ? false : value;
    else if (type === 'integer') out[option] = /^\d+$/.test(value) ? Number(value) : value;
    else out[option] = value;
  }
  return out;
}

function resolveRetry(r: RetryOptions): RetryPolicy {
  if (typeof r !== 'object' || r === null) throw new InvalidParameterError('retry', 'an object', r);
  if (r.onRetry !== undefined && typeof r.onRetry !== 'function') throw new InvalidParameterError('retry.onRetry', 'a function', r.onRetry);
  return {
    retries: integer('retry.retries', r.retries ?? RETRY_DEFAULTS.retries, 0, 1000),
    minDelay: integer('retry.minDelay', r.minDelay ?? RETRY_DEFAULTS.minDelay, 0, 2 ** 31 - 1),
    maxDelay: integer('retry.maxDelay', r.maxDelay ?? RETRY_DEFAULTS.maxDelay, 0, 2 ** 31 - 1),
    maxRetryAfter: integer('retry.maxRetryAfter', r.maxRetryAfter ?? RETRY_DEFAULTS.maxRetryAfter, 0, 2 ** 31 - 1),
    ...(r.onRetry ? { onRetry: r.onRetry } : {}),
  };
}

function integer(param: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InvalidParameterError(param, `an integer from ${min} to ${max}`, v);
  return v;
}

function boolean(param: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new InvalidParameterError(param, 'a boolean', v);
  return v;
}

function oneOf<T extends string>(param: string, v: unknown, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw new InvalidParameterError(param, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);
  return v as T;
}

function name(param: string, v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(v)) throw new InvalidParameterError(param, 'a name of letters, digits, _ . -', v);
  return v;
}

function partitions(v: unknown): readonly string[] {
  if (!Array.isArray(v) || v.length === 0) throw new InvalidParameterError('partitions', 'a non-empty array of partition names', v);
  v.forEach((p, i) => name(`partitions[${i}]`, p));
  if (new Set(v).size !== v.length) throw new InvalidParameterError('partitions', 'partition names without repeats', v);
  return [...(v as string[])];
}
