import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The public values of `shardstream`: a change here is a change of the API, made on purpose. */
const VALUES = [
  // the error classes and the library's table of codes (docs/errors.md)
  'BackendUnavailableError', 'FileChangedError', 'GpuUnavailableError', 'InternalError', 'InvalidStateError', 'LIBRARY_ERROR_CODES', 'NoGradientError',
  'NotBuiltError', 'OutOfRangeError', 'TrainingThreadError', 'WorkerExitedError',
  'ApiError', 'BATCHES_DEFAULTS', 'CELEBA_DEFAULTS', 'CorruptRecordError', 'DEFAULT_LIMITS', 'ERROR_CODES', 'FORMAT_VERSION', 'FRAMING_BYTES',
  'HttpError', 'HttpStatusError', 'IncompleteResponseError', 'IndexBuilder', 'IndexedReader', 'InvalidInputError', 'InvalidParameterError',
  'MANIFEST_FILE', 'MAX_RECORD_BYTES', 'MNIST_DEFAULTS', 'ManifestChangedError', 'NothingWrittenError', 'ProtocolError', 'RETRY_DEFAULTS',
  'RetriesExhaustedError', 'STREAM_FORMATS', 'STREAM_HEADERS', 'STREAM_PARAMS', 'STREAM_PATH', 'ShardedWriter', 'ShardstreamError', 'TENSOR_KEYS',
  'TFRecordWriter', 'TRAIN_DEFAULTS', 'UrlError', 'WriteFailedError', 'batchPositions', 'batchRecordIds', 'batches', 'batchesPerEpoch',
  'buildShardSet', 'bytesFeature', 'convertCeleba', 'convertMnist', 'crc32c', 'createShardServer', 'decodeExample', 'decodeRecordImage',
  'decodeTensorBatch', 'encodeExample', 'encodeRecord', 'encodeRecords', 'encodeTensorBatch', 'exampleToJson', 'floatFeature', 'formatIndex',
  'getBytes', 'getBytesList', 'getFloatList', 'getInt', 'getInt64List', 'getString', 'indexPathFor', 'int64Feature', 'maskCrc', 'maskedCrc32c',
  'openBatchStream', 'parseIndex', 'parseManifest', 'permutation', 'readAllRecords', 'readIndexFile', 'readManifestFile', 'readRecords',
  'resolveTrainOptions', 'selectPartitions', 'shardFileName', 'streamUrl', 'train', 'unmaskCrc', 'verifyShardSet', 'writeIndexFile',
  // train/sample and eval (from main)
  'CLASSIFIER_TRAINING', 'EVAL_HEADERS', 'LATENT_PATHS', 'MAX_SEEDS', 'SAMPLE_NOISE_STREAM', 'SCORE_RULES', 'arithmeticNoise', 'checkSeed', 'defaultSampleDir', 'defaultScale', 'evaluateDigits', 'featureStats', 'frechetDistance', 'generateImages', 'imageAt', 'interpolateNoise', 'lerp', 'loadGenerator', 'meanNoise', 'noiseForSeed', 'parseArithmeticTerms', 'parseSeedList', 'parseSeedPair', 'readEvalCsv', 'resolveGeneratorSource', 'sampleCheckpoint', 'slerp', 'upscaleNearest', 'writeTiles',
];

/** The public types. */
const TYPES = [
  'Batch', 'BatchPlanOptions', 'BatchStream', 'BatchesOptions', 'BuildShardSetOptions', 'CelebaConvertOptions', 'CelebaImageType', 'CelebaLayout',
  'Compression', 'ConvertOutcome', 'CorruptPolicy', 'CorruptionKind', 'DatasetSummary', 'DecodedImage', 'ErrorCode', 'Example', 'Feature',
  'FeatureKind', 'FeatureSpec', 'ImageEncoding', 'Manifest', 'ManifestImage', 'ManifestPartition', 'MnistConvertOptions', 'MnistEncoding',
  'PartitionInputs', 'PartitionReport', 'ReadRecordsOptions', 'RecordIndex', 'RecordSource', 'ResolvedTrainOptions', 'RetryInfo', 'RetryOptions', 'ShardServer',
  'ShardServerLimits', 'ShardServerOptions', 'ShardSetReport', 'ShardSetVerification', 'ShardSummary', 'ShardedWriterOptions', 'SkippedInput',
  'SourceMode', 'StepInfo', 'StreamFormat', 'StreamQuery', 'TFRecordEntry', 'TensorBatch', 'TrainEvalOptions', 'TrainOptions', 'TrainResult', 'TrainStartInfo',
  'VerifyShardSetOptions', 'WriterOptions', 'WrittenFile', 'LibraryErrorCode',
  // train/sample and eval (from main)
  'ArithmeticNoise', 'ArithmeticTerms', 'ClassifierTraining', 'DigitEvaluation', 'DigitScore', 'EvalRow', 'EvalSubject', 'EvaluateDigitsOptions', 'FeatureStats', 'GeneratorSource', 'ImageBatch', 'LatentPath', 'LoadGeneratorOptions', 'LoadedGenerator', 'SampleOptions', 'SampleResult', 'TileOptions', 'WalkRequest', 'WrittenImage',
];

const sorted = (names: readonly string[]): string[] => [...names].sort();

describe('the public API (src/index.ts)', () => {
  it('exports exactly the listed values', async () => {
    const api = await import('../src/index.js');
    expect(sorted(Object.keys(api))).toEqual(sorted(VALUES));
  });

  it('exports by name only, and exactly the listed types', async () => {
    const text = (await readFile(join(process.cwd(), 'src', 'index.ts'), 'utf8')).replace(/\/\/[^\n]*/g, '');
    expect(text).not.toMatch(/export\s*\*/);
    const types: string[] = [];
    for (const m of text.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
      for (const raw of m[2]!.split(',')) {
        const name = raw.trim();
        if (name !== '' && (m[1] !== undefined || name.startsWith('type '))) types.push(name.replace(/^type\s+/, ''));
      }
    }
    expect(sorted(types)).toEqual(sorted(TYPES));
  });

  it('train, called from the package entry, runs the trainer: a bad option fails naming it', async () => {
    const { train } = await import('../src/index.js');
    await expect(train({ data: join(process.cwd(), 'fixtures'), batchSize: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_PARAMETER', param: 'batchSize' });
  });
});
