export { batches, openBatchStream, type Batch, type BatchStream } from './batches.js';
// StreamFormat is not re-exported: src/server exports the same type under that name.
export { BATCHES_DEFAULTS, type BatchesOptions, type SourceMode } from './options.js';
export { RETRY_DEFAULTS, isRetryable, parseRetryAfter, type RetryInfo, type RetryOptions } from './retry.js';
export { HttpStatusError, IncompleteResponseError, ManifestChangedError, ProtocolError, RetriesExhaustedError } from './errors.js';
export { DirectSource, type DirectSourceOptions } from './direct-source.js';
export { StreamSource, STREAM_HEADERS, type StreamSourceOptions } from './stream-source.js';
export { FileStore } from './file-store.js';
export { HttpStore } from './http-store.js';
export { HttpClient, type HttpClientOptions } from './http.js';
export type { ShardStore } from './shard-store.js';
export type { BatchSource, PendingBatch } from './batch-source.js';
export { EpochPlan, type EpochPlanOptions } from './epoch-plan.js';
export { prefetch, type Pending, type PrefetchOptions, type PrefetchStats } from './prefetch.js';
