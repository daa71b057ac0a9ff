import { HttpError, UrlError } from '../core/errors.js';

/** What a shard-server puts in the JSON body of an error response (DESIGN §5). */
export interface ServerErrorBody {
  readonly code?: string;
  readonly param?: string;
  readonly message?: string;
}

/**
 * An HTTP response with an error status. Carries the server's JSON error fields when it sent
 * them (`param` names the bad query parameter of a 400) and the parsed `Retry-After`.
 */
export class HttpStatusError extends HttpError {
  /** The server's error code from its JSON body, e.g. `ERR_INVALID_PARAMETER`. */
  readonly serverCode: string | undefined;
  /** The parameter a 400 names. */
  readonly param: string | undefined;
  /** Milliseconds the server asked to wait (`Retry-After`), if it did. */
  readonly retryAfter: number | undefined;

  constructor(url: string, status: number, message: string, fields: { serverCode?: string | undefined; param?: string | undefined; retryAfter?: number | undefined } = {}) {
    super('ERR_HTTP', url, status, message);
    this.serverCode = fields.serverCode;
    this.param = fields.param;
    this.retryAfter = fields.retryAfter;
  }
}

/**
 * The data changed while it was being read: the stream's manifest fingerprint differs between
 * two connections, or a shard's size or ETag differs from before. Retrying cannot fix it.
 */
export class ManifestChangedError extends UrlError {
  constructor(url: string, message: string) {
    super('ERR_MANIFEST_CHANGED', url, message);
  }
}

/**
 * A response that breaks the protocol: a Range request answered without the range, a stream
 * batch out of order or with other ids than the shuffle order gives. Retrying cannot fix it.
 */
export class ProtocolError extends UrlError {
  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super('ERR_PROTOCOL', url, message, options);
  }
}

/** A response body that ended before all it promised arrived (a dropped connection); retried. */
export class IncompleteResponseError extends UrlError {
  constructor(url: string, message: string, options?: { cause?: unknown }) {
    super('ERR_INCOMPLETE_RESPONSE', url, message, options);
  }
}

/** Retrying did not help: the last error is the `cause`. */
export class RetriesExhaustedError extends HttpError {
  /** Requests made, the first included. */
  readonly attempts: number;

  constructor(url: string, status: number, attempts: number, elapsedMs: number, cause: unknown) {
    super('ERR_RETRIES_EXHAUSTED', url, status, `gave up after ${attempts} attempts in ${(elapsedMs / 1000).toFixed(1)} s: ${stripPrefix(cause, url)}`, { cause });
    this.attempts = attempts;
  }
}

/** The cause's message without a leading `<url>: `, which the wrapping message already has. */
function stripPrefix(cause: unknown, url: string): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.startsWith(`${url}: `) ? message.slice(url.length + 2) : message;
}
