import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChildExitedError } from '../../src/cli/child-exited-error.js';
import { UsageError } from '../../src/cli/run-cli.js';
import { HttpStatusError, IncompleteResponseError, ManifestChangedError, ProtocolError, RetriesExhaustedError } from '../../src/client/errors.js';
import { LIBRARY_ERROR_CODES, type LibraryErrorCode } from '../../src/core/error-codes.js';
import {
  CorruptRecordError,
  FileChangedError,
  InternalError,
  InvalidInputError,
  InvalidParameterError,
  InvalidStateError,
  NotBuiltError,
  OutOfRangeError,
  ShardstreamError,
  WorkerExitedError,
  WriteFailedError,
} from '../../src/core/errors.js';
import { NothingWrittenError } from '../../src/datasets/nothing-written-error.js';
import { BackendUnavailableError } from '../../src/train/backend-error.js';
import { diagnoseGpu } from '../../src/train/gpu-diagnosis.js';
import { probeLibraries } from '../../src/train/gpu-libraries.js';
import { GpuUnavailableError } from '../../src/train/gpu-unavailable-error.js';
import { NoGradientError } from '../../src/train/no-gradient-error.js';
import { ExchangeAbortedError, TrainingThreadError } from '../../src/train/parallel/replica-error.js';
import { tableRows } from '../helpers/markdown-table.js';

const url = 'http://127.0.0.1:1/v1/stream?batch_size=4';
const gpu = diagnoseGpu({
  pkg: { state: 'absent' },
  libraries: probeLibraries({ env: {}, arch: 'x64', fs: { isFile: () => false, read: () => undefined } }),
  driver: { nvidiaSmi: { ok: false, reason: 'nvidia-smi not found on PATH' }, kernelModule: undefined },
  bindingLibraries: {},
  cudaVisibleDevices: undefined,
});

/** One error of each code, made by its class, with the text its message must start with (where). */
const SAMPLES: Record<LibraryErrorCode, { readonly error: ShardstreamError; readonly where: string }> = {
  ERR_CORRUPT_RECORD: { error: new CorruptRecordError('a.tfrecord', 81234, 17, 'data-crc'), where: 'a.tfrecord @ byte 81234: ' },
  ERR_INVALID_PARAMETER: { error: new InvalidParameterError('batchSize', 'a positive integer', 0), where: 'Expected a positive integer for batchSize ' },
  ERR_OUT_OF_RANGE: { error: new OutOfRangeError('start', 'a.tfrecord: records [3, 5) are outside [0, 4)', { file: 'a.tfrecord' }), where: 'a.tfrecord: ' },
  ERR_INVALID_INPUT: { error: new InvalidInputError('a.index', 'line 2: not two numbers'), where: 'a.index: ' },
  ERR_INVALID_STATE: { error: new InvalidStateError('a.tfrecord', 'write after close'), where: 'a.tfrecord: ' },
  ERR_FILE_CHANGED: { error: new FileChangedError('a.tfrecord', 'file ended at byte 10, expected 20 bytes'), where: 'a.tfrecord: ' },
  ERR_WRITE_FAILED: { error: new WriteFailedError('a.tfrecord', 'ENOSPC: no space left on device', 'ENOSPC'), where: 'a.tfrecord: ' },
  ERR_NOT_BUILT: { error: new NotBuiltError('dist/src/tfrecord/chunk-worker.js'), where: 'dist/src/tfrecord/chunk-worker.js: ' },
  ERR_WORKER_EXITED: { error: new WorkerExitedError('chunk worker', 1), where: 'chunk worker ' },
  ERR_CHILD_EXITED: { error: new ChildExitedError('shard-server', 1, null, ' before listening'), where: 'shard-server ' },
  ERR_HTTP: { error: new HttpStatusError(url, 400, 'HTTP 400', { serverCode: 'ERR_INVALID_PARAMETER', param: 'batch_size' }), where: `${url}: ` },
  ERR_RETRIES_EXHAUSTED: { error: new RetriesExhaustedError(url, 503, 3, 1500, new Error('HTTP 503')), where: `${url}: ` },
  ERR_MANIFEST_CHANGED: { error: new ManifestChangedError(url, 'manifest changed'), where: `${url}: ` },
  ERR_PROTOCOL: { error: new ProtocolError(url, 'batch 3 came before batch 2'), where: `${url}: ` },
  ERR_INCOMPLETE_RESPONSE: { error: new IncompleteResponseError(url, 'ended after 10 of 20 bytes'), where: `${url}: ` },
  ERR_NOTHING_WRITTEN: { error: new NothingWrittenError('out', [{ input: 'a.jpg', reason: 'not an image' }]), where: 'out: ' },
  ERR_BACKEND_UNAVAILABLE: { error: new BackendUnavailableError('tensorflow', '@tensorflow/tfjs-node not installed'), where: 'backend tensorflow: ' },
  ERR_GPU_UNAVAILABLE: { error: new GpuUnavailableError(gpu), where: 'backend tensorflow: ' },
  ERR_NO_GRADIENT: { error: new NoGradientError('generator', 'dense/kernel'), where: 'generator: ' },
  ERR_TRAINING_THREAD: { error: new TrainingThreadError(1, 'out of memory'), where: 'training thread 1: ' },
  ERR_EXCHANGE_ABORTED: { error: new ExchangeAbortedError('replica 1'), where: 'replica 1: ' },
  ERR_USAGE: { error: new UsageError('--real and --noise are two different subjects: give one'), where: '--real ' },
  ERR_INTERNAL: { error: new InternalError('a tensor record was finished with images missing'), where: 'a tensor record ' },
};

describe('the table of library error codes (src/core/error-codes.ts)', () => {
  it('has, for each code, its class: a ShardstreamError with that code, the fields listed, and a message that starts with where', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(LIBRARY_ERROR_CODES).sort());
    for (const [code, { class: name, fields }] of Object.entries(LIBRARY_ERROR_CODES)) {
      const { error, where } = SAMPLES[code as LibraryErrorCode];
      expect(error).toBeInstanceOf(ShardstreamError);
      expect([error.code, error.name, error.constructor.name]).toEqual([code, name, name]);
      for (const field of fields) expect(Object.hasOwn(error, field), `${name}.${field}`).toBe(true);
      expect(error.message.startsWith(where), `${error.message} starts with ${where}`).toBe(true);
    }
  });

  it('HttpError subclasses give their own code (none is overwritten after construction)', () => {
    const exhausted = SAMPLES.ERR_RETRIES_EXHAUSTED.error as RetriesExhaustedError;
    expect(exhausted).toMatchObject({ code: 'ERR_RETRIES_EXHAUSTED', url, status: 503, attempts: 3 });
    expect(Object.getOwnPropertyDescriptor(exhausted, 'code')?.value).toBe('ERR_RETRIES_EXHAUSTED');
    expect(SAMPLES.ERR_HTTP.error).toMatchObject({ code: 'ERR_HTTP', url, status: 400, serverCode: 'ERR_INVALID_PARAMETER', param: 'batch_size' });
  });
});

describe('docs/errors.md', () => {
  it('lists exactly the codes of the table, in its order, with their class, fields and meaning', async () => {
    const text = await readFile(join(process.cwd(), 'docs', 'errors.md'), 'utf8');
    const rows = tableRows(text, '| code | class | fields | what |');
    const expected = Object.entries(LIBRARY_ERROR_CODES).map(([code, { class: name, fields, what }]) => [
      `\`${code}\``,
      `\`${name}\``,
      fields.length === 0 ? '—' : fields.map((f) => `\`${f}\``).join(', '),
      what,
    ]);
    expect(rows).toEqual(expected);
  });

  it('is linked from the README and docs/architecture.md', async () => {
    expect((await readFile(join(process.cwd(), 'README.md'), 'utf8')).includes('](docs/errors.md)')).toBe(true);
    expect((await readFile(join(process.cwd(), 'docs', 'architecture.md'), 'utf8')).includes('](errors.md)')).toBe(true);
  });
});
