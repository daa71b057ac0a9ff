import { InvalidParameterError, ShardstreamError } from '../core/errors.js';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** An error answered to the client as `{"error": {"code", "param", "message"}}` with its status. */
export class ApiError extends ShardstreamError {
  readonly status: number;
  /** The query parameter at fault, when there is one. */
  readonly param: string | undefined;
  /** Extra response headers (`WWW-Authenticate`, `Retry-After`, `Content-Range`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, options: { param?: string; headers?: Record<string, string>; cause?: unknown; status?: number } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? ERROR_CODES[code].status;
    this.param = options.param;
    this.headers = options.headers ?? {};
  }

  /** The JSON body sent to the client. */
  toBody(): { error: { code: string; param?: string; message: string } } {
    return { error: { code: this.code, ...(this.param === undefined ? {} : { param: this.param }), message: this.message } };
  }
}

/** A 400 for a query parameter: `Expected <what> for <param> but received <value> of type <type>`. */
export function invalidParameter(param: string, expected: string, value: unknown): ApiError {
  return new ApiError('ERR_INVALID_PARAMETER', new InvalidParameterError(param, expected, value).message, { param });
}
