/**
 * Every code a library error (a `ShardstreamError`) can carry: what it means, the class that
 * throws it and the fields that say where. docs/errors.md documents each one (a test checks
 * that). The codes of the shard-server's HTTP answers are another table: server/error-codes.ts.
 */
export const LIBRARY_ERROR_CODES = {
  ERR_CORRUPT_RECORD: {
    class: 'CorruptRecordError',
    fields: ['file', 'offset', 'record', 'kind'],
    what: 'a TFRecord record failed a framing check (length or data CRC, truncated, length out of range)',
  },
  ERR_INVALID_PARAMETER: {
    class: 'InvalidParameterError',
    fields: ['param'],
    what: 'an argument or option has a bad value: `Expected <what> for <param> but received <value> of type <type>`',
  },
  ERR_OUT_OF_RANGE: {
    class: 'OutOfRangeError',
    fields: ['param', 'file'],
    what: 'a number or a length of an argument is outside what it may be (a record index past the end, a count below 1, sizes that do not match); `file` when the range is a file’s',
  },
  ERR_INVALID_INPUT: {
    class: 'InvalidInputError',
    fields: ['file'],
    what: 'an input file (or record) is not what it claims to be: bad magic, wrong size, an unparsable line, an image that does not decode',
  },
  ERR_INVALID_STATE: {
    class: 'InvalidStateError',
    fields: ['where'],
    what: 'a call the object’s state does not allow: a writer written or closed after it was closed, a BatchStream iterated twice, a preload of a dataset the cache cannot hold',
  },
  ERR_FILE_CHANGED: {
    class: 'FileChangedError',
    fields: ['file'],
    what: 'a file ended before the size it had when it was opened: it was truncated or replaced while read',
  },
  ERR_WRITE_FAILED: {
    class: 'WriteFailedError',
    fields: ['file', 'errno'],
    what: 'writing a file failed (disk full, descriptor gone, …); `errno` is the system error code, e.g. `ENOSPC` (or `ERR_FILE_CHANGED` when the file was shortened under the writer)',
  },
  ERR_NOT_BUILT: {
    class: 'NotBuiltError',
    fields: ['file'],
    what: 'a worker thread’s module is not compiled under `dist/` (run from `src/` without `npm run build`)',
  },
  ERR_WORKER_EXITED: {
    class: 'WorkerExitedError',
    fields: ['worker', 'exitCode'],
    what: 'a worker thread of the process (the chunk worker, a decode worker) exited: the calls it served fail, the next call starts a new one',
  },
  ERR_CHILD_EXITED: {
    class: 'ChildExitedError',
    fields: ['command', 'exitCode', 'signal'],
    what: 'a process that a command starts (the demo’s converter, server or trainer) exited unsuccessfully',
  },
  ERR_HTTP: {
    class: 'HttpStatusError',
    fields: ['url', 'status', 'serverCode', 'param', 'retryAfter'],
    what: 'an HTTP response had an error status; `serverCode` and `param` are a shard-server’s JSON error fields (docs/server.md)',
  },
  ERR_RETRIES_EXHAUSTED: {
    class: 'RetriesExhaustedError',
    fields: ['url', 'status', 'attempts'],
    what: 'retrying a request did not help; the last error is the `cause`',
  },
  ERR_MANIFEST_CHANGED: {
    class: 'ManifestChangedError',
    fields: ['url'],
    what: 'the shard set behind a URL changed while it was read (another manifest fingerprint, a shard’s size or ETag); retrying cannot fix it',
  },
  ERR_PROTOCOL: {
    class: 'ProtocolError',
    fields: ['url'],
    what: 'a response breaks the protocol (a Range answered without the range, stream batches out of order or with other ids than the shuffle order)',
  },
  ERR_INCOMPLETE_RESPONSE: {
    class: 'IncompleteResponseError',
    fields: ['url'],
    what: 'a response body ended before all it promised arrived (a dropped connection); retried',
  },
  ERR_NOTHING_WRITTEN: {
    class: 'NothingWrittenError',
    fields: ['dir', 'skipped'],
    what: 'a conversion skipped every input, so no shard set is written; `skipped` lists them with their reasons',
  },
  ERR_BACKEND_UNAVAILABLE: {
    class: 'BackendUnavailableError',
    fields: ['backend'],
    what: 'a TensorFlow.js backend asked for by name could not be loaded',
  },
  ERR_GPU_UNAVAILABLE: {
    class: 'GpuUnavailableError',
    fields: ['diagnosis'],
    what: 'a GPU was required (`requireGpu`, `--require-gpu`) and TensorFlow uses none; the message is the full diagnosis',
  },
  ERR_NO_GRADIENT: {
    class: 'NoGradientError',
    fields: ['model', 'weight'],
    what: 'a trainable weight of a model got no gradient in a training step',
  },
  ERR_TRAINING_THREAD: {
    class: 'TrainingThreadError',
    fields: ['thread'],
    what: 'a training thread (`threads` > 1) failed: its own error is the `cause`',
  },
  ERR_EXCHANGE_ABORTED: {
    class: 'ExchangeAbortedError',
    fields: ['where'],
    what: 'inside a training thread: another thread failed, so this step is abandoned (the pool reports the other thread’s error)',
  },
  ERR_USAGE: {
    class: 'UsageError',
    fields: [],
    what: 'a command’s options or arguments do not go together; the message names the flags, the command exits with status 2',
  },
  ERR_INTERNAL: {
    class: 'InternalError',
    fields: [],
    what: 'a check that cannot fail failed: a bug of shardstream (or a broken install); please report it with the message',
  },
} as const satisfies Record<string, { readonly class: string; readonly fields: readonly string[]; readonly what: string }>;

/** A stable code of a library error. */
export type LibraryErrorCode = keyof typeof LIBRARY_ERROR_CODES;
