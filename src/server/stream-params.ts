import { ApiError, invalidParameter } from './api-error.js';
import type { Catalog, Dataset } from './catalog.js';
import { booleanParam, choiceParam, datasetParam, integerParam, singleValues, type Query } from './query.js';

/** Formats of a stream body. */
export const STREAM_FORMATS = ['records', 'tensor'] as const;
/** A stream body format. */
export type StreamFormat = (typeof STREAM_FORMATS)[number];

/** Largest seed and epoch (they are unsigned 32-bit, DESIGN §4). */
export const MAX_U32 = 0xffffffff;
/** Largest `world`. */
export const MAX_WORLD = 65536;

/** The query parameters of `GET /v1/stream`, with defaults (docs/server.md has the same table). */
export const STREAM_PARAMS = [
  { name: 'dataset', default: 'the only dataset', what: 'dataset name (required when the server has several)' },
  { name: 'partitions', default: 'all, in manifest order', what: 'comma-separated partitions; their order sets the global record numbering' },
  { name: 'batch_size', default: 'required', what: 'records per batch per trainer, 1 to the server limit (4096)' },
  { name: 'seed', default: '0', what: 'shuffle seed, 0 to 4294967295' },
  { name: 'epoch', default: '0', what: 'epoch, 0 to 4294967295' },
  { name: 'rank', default: '0', what: 'this trainer, 0 to world − 1' },
  { name: 'world', default: '1', what: `number of trainers, 1 to ${MAX_WORLD}` },
  { name: 'start_batch', default: '0', what: 'first batch sent, 0 to the batches per epoch' },
  { name: 'drop_remainder', default: 'true', what: 'drop the incomplete last global batch (true/false/1/0)' },
  { name: 'format', default: 'records', what: '`records` or `tensor`' },
] as const;

/** A validated stream request (start_batch is checked against the batch count later). */
export interface StreamRequest {
  readonly dataset: Dataset;
  readonly partitions: readonly string[];
  readonly batchSize: number;
  readonly seed: number;
  readonly epoch: number;
  readonly rank: number;
  readonly world: number;
  readonly startBatch: number;
  readonly dropRemainder: boolean;
  readonly format: StreamFormat;
}

/** Validate the query of `GET /v1/stream`; every failure is a 400 naming the parameter. */
export function parseStreamParams(query: Query, catalog: Catalog, maxBatchSize: number): StreamRequest {
  const values = singleValues(
    query,
    STREAM_PARAMS.map((p) => p.name),
  );
  const dataset = datasetParam(values, catalog);
  const all = dataset.manifest.partitions.map((p) => p.name);
  let partitions = all;
  const rawParts = values.get('partitions');
  if (rawParts !== undefined) {
    partitions = rawParts.split(',');
    for (const p of partitions) {
      if (!all.includes(p)) throw invalidParameter('partitions', `a comma-separated list of ${all.join(', ')}`, rawParts);
    }
    if (new Set(partitions).size !== partitions.length) throw invalidParameter('partitions', 'a list without repeated partitions', rawParts);
  }
  const batchSize = integerParam(values, 'batch_size', 1, maxBatchSize);
  const seed = integerParam(values, 'seed', 0, MAX_U32, 0);
  const epoch = integerParam(values, 'epoch', 0, MAX_U32, 0);
  const world = integerParam(values, 'world', 1, MAX_WORLD, 1);
  const rank = integerParam(values, 'rank', 0, world - 1, 0);
  const startBatch = integerParam(values, 'start_batch', 0, Number.MAX_SAFE_INTEGER, 0);
  const dropRemainder = booleanParam(values, 'drop_remainder', true);
  const format = choiceParam(values, 'format', STREAM_FORMATS, 'records');
  if (format === 'tensor') {
    const { height, width } = dataset.manifest.image;
    if (height === null || width === null) {
      throw new ApiError('ERR_INVALID_PARAMETER', `Expected format=records for dataset ${dataset.name}: its manifest has no fixed image size, so format=tensor cannot give one shape`, { param: 'format' });
    }
  }
  return { dataset, partitions, batchSize, seed, epoch, rank, world, startBatch, dropRemainder, format };
}
