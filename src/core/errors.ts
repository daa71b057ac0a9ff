import type { LibraryErrorCode } from './error-codes.js';

export type { LibraryErrorCode } from './error-codes.js';

/**
 * One base error for the whole project. Every error has a stable `code` and carries
 * the place it happened in fields (file, offset, url, param) as well as in its message,
 * which always starts with that place.
 *
 * `Code` is the table the code comes from: the library's (core/error-codes.ts) unless a
 * subclass names another; the shard-server's HTTP answers (`ApiError`) name server/error-codes.ts.
 */
export class ShardstreamError<Code extends string = LibraryErrorCode> extends Error {
  /** Stable machine-readable code, e.g. `ERR_CORRUPT_RECORD`. */
  readonly code: Code;

  constructor(code: NoInfer<Code>, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Which framing check a corrupt record failed. */
export type CorruptionKind = 'length-crc' | 'data-crc' | 'truncated-header' | 'truncated-data' | 'bad-length';

/** A TFRecord record that failed a framing check. */
export class CorruptRecordError extends ShardstreamError {
  readonly file: string;
  readonly offset: number;
  readonly kind: CorruptionKind;
  /** Zero-based position of the record in its file (the records before it were good). */
  readonly record: number;

  constructor(file: string, offset: number, record: number, kind: CorruptionKind) {
    super('ERR_CORRUPT_RECORD', `${file} @ byte ${offset}: record ${record}: ${describeCorruption(kind)}`);
    this.file = file;
    this.offset = offset;
    this.record = record;
    this.kind = kind;
  }
}

/** Human wording of each corruption kind. */
export function describeCorruption(kind: CorruptionKind): string {
  switch (kind) {
    case 'length-crc':
      return 'length CRC mismatch';
    case 'data-crc':
      return 'data CRC mismatch';
    case 'truncated-header':
      return 'truncated header';
    case 'truncated-data':
      return 'truncated data';
    case 'bad-length':
      return 'record length out of range';
  }
}

/** A bad argument or option: names the parameter and the value received. */
export class InvalidParameterError extends ShardstreamError {
  readonly param: string;

  constructor(param: string, expected: string, value: unknown) {
    super('ERR_INVALID_PARAMETER', `Expected ${expected} for ${param} but received ${formatValue(value)} of type ${typeOf(value)}`);
    this.param = param;
  }
}

/** An input file that is not what it claims to be (bad magic, wrong size, unparsable line). */
export class InvalidInputError extends ShardstreamError {
  readonly file: string;

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_INPUT', `${file}: ${message}`, options);
    this.file = file;
  }
}

/** Something went wrong with what a URL gave: carries the URL, which also starts the message. */
export class UrlError extends ShardstreamError {
  readonly url: string;

  constructor(code: LibraryErrorCode, url: string, message: string, options?: { cause?: unknown }) {
    super(code, `${url}: ${message}`, options);
    this.url = url;
  }
}

/** An HTTP request that failed; carries the URL and status. Its subclasses give the code (`ERR_HTTP`, `ERR_RETRIES_EXHAUSTED`). */
export class HttpError extends UrlError {
  readonly status: number;

  constructor(code: LibraryErrorCode, url: string, status: number, message: string, options?: { cause?: unknown }) {
    super(code, url, message, options);
    this.status = status;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return String(JSON.stringify(value) ?? value);
  } catch {
    return String(value);
  }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Writing a file failed (disk full, descriptor gone, …): names the file, keeps the system error as
 * `cause`. The message ends with the code, so that a CLI's one-line error says it too.
 */
export class WriteFailedError extends ShardstreamError {
  readonly file: string;
  /** The system error code, e.g. `ENOSPC`, when there is one. */
  readonly errno: string | undefined;

  constructor(file: string, message: string, errno: string | undefined, options?: { cause?: unknown }) {
    super('ERR_WRITE_FAILED', `${file}: write failed: ${message} (ERR_WRITE_FAILED)`, options);
    this.file = file;
    this.errno = errno;
  }

  /** Wrap an error thrown while writing `file` (once: a WriteFailedError passes through). */
  static from(file: string, error: unknown): WriteFailedError {
    if (error instanceof WriteFailedError) return error;
    const { message, code } = error as NodeJS.ErrnoException;
    return new WriteFailedError(file, message, code, { cause: error });
  }
}

/**
 * A number or the length of an argument outside what it may be: names the parameter (and the
 * file, when the range is a file's); the message, which starts with where, gives the range.
 */
export class OutOfRangeError extends ShardstreamError {
  readonly param: string;
  readonly file: string | undefined;

  constructor(param: string, message: string, fields: { file?: string } = {}) {
    super('ERR_OUT_OF_RANGE', message);
    this.param = param;
    this.file = fields.file;
  }
}

/** A call that the state of an object does not allow (written after close, iterated twice, …): `where` names the object. */
export class InvalidStateError extends ShardstreamError {
  readonly where: string;

  constructor(where: string, message: string) {
    super('ERR_INVALID_STATE', `${where}: ${message}`);
    this.where = where;
  }
}

/** A file that ended before the size it had when it was opened (truncated or replaced while read). */
export class FileChangedError extends ShardstreamError {
  readonly file: string;

  constructor(file: string, message: string) {
    super('ERR_FILE_CHANGED', `${file}: ${message}`);
    this.file = file;
  }
}

/** The compiled module of a worker thread is missing under `dist/` (tests run `src/`: build first). */
export class NotBuiltError extends ShardstreamError {
  readonly file: string;

  constructor(file: string) {
    super('ERR_NOT_BUILT', `${file}: not built (run npm run build)`);
    this.file = file;
  }
}

/** A worker thread of the process exited; the calls it served fail with this. */
export class WorkerExitedError extends ShardstreamError {
  /** Which worker, e.g. `chunk worker`. */
  readonly worker: string;
  readonly exitCode: number;

  constructor(worker: string, exitCode: number) {
    super('ERR_WORKER_EXITED', `${worker} exited with code ${exitCode}`);
    this.worker = worker;
    this.exitCode = exitCode;
  }
}

/** A check that cannot fail failed: a bug (or a broken install). The message says which check. */
export class InternalError extends ShardstreamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INTERNAL', message, options);
  }
}
