/**
 * The `/v1/stream` protocol (DESIGN §5), written once: its path, body formats, query
 * parameters (type, bounds, default) and response headers. The server's parser, the client's
 * URL builder and options, and docs/server.md (checked by test/server/docs.test.ts) follow it.
 */

/** Path of the stream route. */
export const STREAM_PATH = '/v1/stream';

/** Formats of a stream body. */
export const STREAM_FORMATS = ['records', 'tensor'] as const;
/** A stream body format: the `records` themselves, or decoded uint8 NHWC `tensor` batches. */
export type StreamFormat = (typeof STREAM_FORMATS)[number];

/** Largest seed and epoch (they are unsigned 32-bit, DESIGN §4). */
export const MAX_U32 = 0xffffffff;
/** Largest `world`. */
export const MAX_WORLD = 65536;

/** One query parameter: its type, bounds and default as the server applies them. */
export type StreamParam =
  | { readonly name: string; readonly type: 'name' | 'list'; readonly default: null; readonly defaultDoc: string; readonly what: string }
  /** `max: null`: bounded by the request (the server's batch limit, world − 1, the batches per epoch). */
  | { readonly name: string; readonly type: 'integer'; readonly min: number; readonly max: number | null; readonly default: number | null; readonly defaultDoc: string; readonly what: string }
  | { readonly name: string; readonly type: 'boolean'; readonly default: boolean; readonly defaultDoc: string; readonly what: string }
  | { readonly name: string; readonly type: 'choice'; readonly choices: readonly string[]; readonly default: string; readonly defaultDoc: string; readonly what: string };

/** The query parameters of `GET /v1/stream`, in the order docs/server.md lists them. */
export const STREAM_PARAMS = [
  { name: 'dataset', type: 'name', default: null, defaultDoc: 'the only dataset', what: 'dataset name (required when the server has several)' },
  { name: 'partitions', type: 'list', default: null, defaultDoc: 'all, in manifest order', what: 'comma-separated partitions; their order sets the global record numbering' },
  { name: 'batch_size', type: 'integer', min: 1, max: null, default: null, defaultDoc: '(required)', what: 'records per batch per trainer, 1 to the server limit (4096)' },
  { name: 'seed', type: 'integer', min: 0, max: MAX_U32, default: 0, defaultDoc: '`0`', what: 'shuffle seed, 0 to 4294967295' },
  { name: 'epoch', type: 'integer', min: 0, max: MAX_U32, default: 0, defaultDoc: '`0`', what: 'epoch, 0 to 4294967295' },
  { name: 'rank', type: 'integer', min: 0, max: null, default: 0, defaultDoc: '`0`', what: 'this trainer, 0 to world − 1' },
  { name: 'world', type: 'integer', min: 1, max: MAX_WORLD, default: 1, defaultDoc: '`1`', what: `number of trainers, 1 to ${MAX_WORLD}` },
  { name: 'start_batch', type: 'integer', min: 0, max: null, default: 0, defaultDoc: '`0`', what: 'first batch sent, 0 to the batches per epoch' },
  { name: 'drop_remainder', type: 'boolean', default: true, defaultDoc: '`true`', what: 'drop the incomplete last global batch (true/false/1/0)' },
  { name: 'format', type: 'choice', choices: STREAM_FORMATS, default: 'records', defaultDoc: '`records`', what: '`records` or `tensor`' },
] as const satisfies readonly StreamParam[];

/** A query parameter's name. */
export type StreamParamName = (typeof STREAM_PARAMS)[number]['name'];

/** The parameter called `name`. */
export function streamParam<N extends StreamParamName>(name: N): Extract<(typeof STREAM_PARAMS)[number], { name: N }> {
  return STREAM_PARAMS.find((p) => p.name === name) as Extract<(typeof STREAM_PARAMS)[number], { name: N }>;
}

/** The values of a stream request, as a client sends them (every parameter given). */
export interface StreamQuery {
  readonly dataset: string;
  readonly partitions: readonly string[];
  readonly batch_size: number;
  readonly seed: number;
  readonly epoch: number;
  readonly rank: number;
  readonly world: number;
  readonly start_batch: number;
  readonly drop_remainder: boolean;
  readonly format: StreamFormat;
}

/** `<base>/v1/stream?…` for `query`, its parameters in protocol order. */
export function streamUrl(base: URL, query: StreamQuery): URL {
  const url = new URL(STREAM_PATH.slice(1), base);
  for (const { name } of STREAM_PARAMS) {
    const value: StreamQuery[StreamParamName] = query[name];
    url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
  }
  return url;
}

/** Response headers of `/v1/stream` (lower case, as Node gives them). */
export const STREAM_HEADERS = {
  /** N, records of the requested partitions. */
  records: 'x-shardstream-records',
  /** TFRecord records the complete body holds (tells a cut body from a whole one). */
  bodyRecords: 'x-shardstream-body-records',
  /** Batches per epoch for this rank. */
  batches: 'x-shardstream-batches',
  /** The first batch sent. */
  startBatch: 'x-shardstream-start-batch',
  /** sha256 of the manifest's bytes; `/v1/manifest` sends it too. */
  fingerprint: 'x-shardstream-manifest-sha256',
  dataset: 'x-shardstream-dataset',
  partitions: 'x-shardstream-partitions',
  format: 'x-shardstream-format',
  /** `height,width,channels` (tensor format only). */
  imageShape: 'x-shardstream-image-shape',
} as const;
