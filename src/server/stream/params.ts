import { ApiError, invalidParameter } from '../api-error.js';
import type { Catalog, Dataset } from '../catalog.js';
import { booleanParam, choiceParam, datasetParam, integerParam, singleValues, type Query } from '../http/query.js';
import { STREAM_FORMATS, STREAM_PARAMS, streamParam, type StreamFormat } from '../../shards/stream-protocol.js';

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
  const batchSize = integer(values, 'batch_size', maxBatchSize);
  const seed = integer(values, 'seed');
  const epoch = integer(values, 'epoch');
  const world = integer(values, 'world');
  const rank = integer(values, 'rank', world - 1);
  // Checked against the batches per epoch once the partitions' records are counted.
  const startBatch = integer(values, 'start_batch', Number.MAX_SAFE_INTEGER);
  const dropRemainder = booleanParam(values, 'drop_remainder', streamParam('drop_remainder').default);
  const format = choiceParam(values, 'format', STREAM_FORMATS, streamParam('format').default);
  if (format === 'tensor') {
    const { height, width } = dataset.manifest.image;
    if (height === null || width === null) {
      throw new ApiError('ERR_INVALID_PARAMETER', `Expected format=records for dataset ${dataset.name}: its manifest has no fixed image size, so format=tensor cannot give one shape`, { param: 'format' });
    }
  }
  return { dataset, partitions, batchSize, seed, epoch, rank, world, startBatch, dropRemainder, format };
}

type IntegerParamName = Extract<(typeof STREAM_PARAMS)[number], { type: 'integer' }>['name'];

/** An integer parameter with the protocol's bounds and default; `max` bounds those the request bounds. */
function integer(values: Map<string, string>, name: IntegerParamName, max?: number): number {
  const p = streamParam(name);
  return integerParam(values, name, p.min, p.max ?? max ?? Number.MAX_SAFE_INTEGER, p.default ?? undefined);
}
