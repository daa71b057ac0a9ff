export { createShardServer, type ShardServer, type DatasetSummary } from './server.js';
export { DEFAULT_LIMITS, resolveLimits, type ShardServerOptions, type ShardServerLimits } from './options.js';
export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { ApiError } from './api-error.js';
