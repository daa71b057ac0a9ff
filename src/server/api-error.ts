import { STATUS_CODES } from 'node:http';
import { InvalidParameterError, ShardstreamError } from '../core/errors.js';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** An error answered to the client as `{"error": {"code", "param", "message"}}` with its status. */
export class ApiError extends ShardstreamError<ErrorCode> {
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

  /**
   * The whole HTTP/1.1 response, for a socket that no ServerResponse serves (the parser refused
   * the request, or CONNECT): the same body and headers, and `Connection: close`.
   */
  toRawResponse(): Buffer {
    const body = Buffer.from(JSON.stringify(this.toBody()), 'utf8');
    const head = [
      `HTTP/1.1 ${this.status} ${STATUS_CODES[this.status] ?? 'Error'}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${body.length}`,
      'cache-control: no-store',
      'connection: close',
      ...Object.entries(this.headers).map(([k, v]) => `${k}: ${v}`),
    ];
    return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
  }
}

/** A 400 for a query parameter: `Expected <what> for <param> but received <value> of type <type>`. */
export function invalidParameter(param: string, expected: string, value: unknown): ApiError {
  return new ApiError('ERR_INVALID_PARAMETER', new InvalidParameterError(param, expected, value).message, { param });
}
