// The public API of `shardstream`, by name: adding a name here is a deliberate change to it
// (test/index.test.ts lists them). Internals stay importable only inside the package.

// Errors (one base with a stable code; fields say where).
export { CorruptRecordError, InvalidInputError, InvalidParameterError, OutOfRangeError, ShardstreamError, WriteFailedError, type CorruptionKind, type LibraryErrorCode } from './core/errors.js';
export { FileChangedError, HttpError, InternalError, InvalidStateError, NotBuiltError, UrlError, WorkerExitedError } from './core/errors.js';
export { LIBRARY_ERROR_CODES } from './core/error-codes.js';

// TFRecord: framing, CRC32C, reading, writing, index files.
export { crc32c, maskCrc, maskedCrc32c, unmaskCrc } from './tfrecord/crc32c.js';
export { encodeRecord, encodeRecords, FRAMING_BYTES, MAX_RECORD_BYTES } from './tfrecord/framing.js';
export type { Compression } from './tfrecord/compression.js';
export { readAllRecords, readRecords, type ReadRecordsOptions, type RecordSource } from './tfrecord/reader.js';
export type { CorruptPolicy, TFRecordEntry } from './tfrecord/scanner.js';
export { formatIndex, IndexBuilder, parseIndex, readIndexFile, type RecordIndex } from './tfrecord/record-index.js';
export { IndexedReader } from './tfrecord/indexed-reader.js';
export { indexPathFor, shardFileName, ShardedWriter, TFRecordWriter, writeIndexFile, type ShardedWriterOptions, type ShardSummary, type WriterOptions, type WrittenFile } from './tfrecord/writer.js';

// tf.train.Example.
export {
  bytesFeature,
  decodeExample,
  encodeExample,
  exampleToJson,
  floatFeature,
  getBytes,
  getBytesList,
  getFloatList,
  getInt,
  getInt64List,
  getString,
  int64Feature,
  type Example,
  type Feature,
  type FeatureKind,
} from './tfrecord/example/index.js';

// Shard sets: manifest, shuffle order, tensor batches, verification, the stream protocol.
export { FORMAT_VERSION, MANIFEST_FILE, parseManifest, readManifestFile, selectPartitions, type FeatureSpec, type Manifest, type ManifestImage, type ManifestPartition, type SkippedInput } from './shards/manifest.js';
export { batchesPerEpoch, batchPositions, batchRecordIds, permutation, type BatchPlanOptions } from './shards/shuffle.js';
export { decodeTensorBatch, encodeTensorBatch, TENSOR_KEYS, type TensorBatch } from './shards/tensor-batch.js';
export { decodeRecordImage, type DecodedImage } from './shards/record-image.js';
export { verifyShardSet, type ShardSetVerification, type VerifyShardSetOptions } from './shards/verify-shard-set.js';
export { STREAM_FORMATS, STREAM_HEADERS, STREAM_PARAMS, STREAM_PATH, streamUrl, type StreamFormat, type StreamQuery } from './shards/stream-protocol.js';

// Converters.
export { convertCeleba, type CelebaConvertOptions } from './datasets/celeba.js';
export { CELEBA_DEFAULTS, type CelebaImageType, type CelebaLayout } from './datasets/celeba-choices.js';
export { convertMnist, type MnistConvertOptions } from './datasets/mnist.js';
export { MNIST_DEFAULTS, type MnistEncoding } from './datasets/mnist-choices.js';
export type { ImageEncoding } from './datasets/image-encoding.js';
export { buildShardSet, type BuildShardSetOptions, type ConvertOutcome, type PartitionInputs, type PartitionReport, type ShardSetReport } from './datasets/shard-set-builder.js';
export { NothingWrittenError } from './datasets/nothing-written-error.js';

// The server.
export { createShardServer, type DatasetSummary, type ShardServer } from './server/server.js';
export { DEFAULT_LIMITS, type ShardServerLimits, type ShardServerOptions } from './server/options.js';
export { ERROR_CODES, type ErrorCode } from './server/error-codes.js';
export { ApiError } from './server/api-error.js';

// The client.
export { batches, openBatchStream, type Batch, type BatchStream } from './client/batches.js';
export { BATCHES_DEFAULTS, type BatchesOptions, type SourceMode } from './client/options.js';
export { RETRY_DEFAULTS, type RetryInfo, type RetryOptions } from './client/retry.js';
export { HttpStatusError, IncompleteResponseError, ManifestChangedError, ProtocolError, RetriesExhaustedError } from './client/errors.js';

// Training.
export { train } from './train/train-lazy.js';
export { TRAIN_DEFAULTS } from './train/train-defaults.js';
export { resolveTrainOptions, type ResolvedTrainOptions } from './train/resolve-train-options.js';
export type { StepInfo, TrainEvalOptions, TrainOptions, TrainStartInfo } from './train/train-options.js';
export type { TrainResult } from './train/trainer.js';
export { BackendUnavailableError } from './train/backend-error.js';
export { GpuUnavailableError } from './train/gpu-unavailable-error.js';
export { NoGradientError } from './train/no-gradient-error.js';
export { TrainingThreadError } from './train/parallel/replica-error.js';

// Sampling a trained generator (dcgan-sample) and scoring a run (dcgan-eval).
export {
  arithmeticNoise,
  checkSeed,
  defaultSampleDir,
  defaultScale,
  generateImages,
  imageAt,
  interpolateNoise,
  LATENT_PATHS,
  lerp,
  loadGenerator,
  MAX_SEEDS,
  meanNoise,
  noiseForSeed,
  parseArithmeticTerms,
  parseSeedList,
  parseSeedPair,
  resolveGeneratorSource,
  SAMPLE_NOISE_STREAM,
  sampleCheckpoint,
  slerp,
  upscaleNearest,
  writeTiles,
  type ArithmeticNoise,
  type ArithmeticTerms,
  type GeneratorSource,
  type ImageBatch,
  type LatentPath,
  type LoadedGenerator,
  type LoadGeneratorOptions,
  type SampleOptions,
  type SampleResult,
  type TileOptions,
  type WalkRequest,
  type WrittenImage,
} from './train/sample/index.js';
export {
  CLASSIFIER_TRAINING,
  EVAL_HEADERS,
  evaluateDigits,
  featureStats,
  frechetDistance,
  readEvalCsv,
  SCORE_RULES,
  type ClassifierTraining,
  type DigitEvaluation,
  type DigitScore,
  type EvalRow,
  type EvalSubject,
  type EvaluateDigitsOptions,
  type FeatureStats,
} from './eval/index.js';
