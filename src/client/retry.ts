import { setTimeout as delay } from 'node:timers/promises';
import { CorruptRecordError, HttpError } from '../core/errors.js';
import { HttpStatusError, IncompleteResponseError, RetriesExhaustedError } from './errors.js';

/** What the retry policy reports before each wait. */
export interface RetryInfo {
  readonly url: string;
  /** 1 for the first retry. */
  readonly attempt: number;
  /** Milliseconds it will wait. */
  readonly delay: number;
  readonly error: unknown;
}

/** How failed requests are retried: exponential backoff, or what `Retry-After` asks for. */
export interface RetryOptions {
  /** Retries after a failure before giving up. A stream that delivers a batch starts the count again. @default 8 */
  readonly retries?: number;
  /** First backoff delay in ms; it doubles with each retry. @default 100 */
  readonly minDelay?: number;
  /** Longest backoff delay in ms. @default 5000 */
  readonly maxDelay?: number;
  /** Longest wait in ms that a `Retry-After` header may impose. @default 60000 */
  readonly maxRetryAfter?: number;
  /** Called before each wait, e.g. to log it. */
  readonly onRetry?: (info: RetryInfo) => void;
}

/** {@link RetryOptions} with every default filled in. */
export type RetryPolicy = Required<Omit<RetryOptions, 'onRetry'>> & Pick<RetryOptions, 'onRetry'>;

/** The defaults of {@link RetryOptions}. */
export const RETRY_DEFAULTS = { retries: 8, minDelay: 100, maxDelay: 5000, maxRetryAfter: 60_000 } as const;

/** Server error codes that name a lasting fault, though sent with a 5xx. */
const LASTING_SERVER_CODES = new Set(['ERR_BAD_DATA']);

/** Statuses worth another try: timeouts, rate limits and server-side failures. */
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Error codes of dropped or refused connections (Node's errno codes and undici's). */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/**
 * True for failures that another attempt may not meet: lost connections, 5xx (but a shard-server's
 * `ERR_BAD_DATA`, a corrupt record), 408, 429, truncated bodies.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof HttpStatusError) {
    if (error.serverCode !== undefined && LASTING_SERVER_CODES.has(error.serverCode)) return false;
    return RETRYABLE_STATUS.has(error.status) || error.status >= 500;
  }
  if (error instanceof IncompleteResponseError) return true;
  // A stream cut mid-record: the bytes that came were fine, the rest did not come.
  if (error instanceof CorruptRecordError) return error.kind === 'truncated-header' || error.kind === 'truncated-data';
  if (error instanceof HttpError) return false;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
    if (e.name === 'AbortError') return false;
    // undici's fetch-style "terminated" and a stream's premature close carry no code of their own.
    if (e.message === 'terminated' || (e as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') return true;
  }
  return false;
}

/**
 * Milliseconds `Retry-After` asks for (delta-seconds or an HTTP-date), or undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const text = v.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Delay before retry `attempt` (1-based) after `error`: the server's `Retry-After` (capped), else exponential backoff. */
export function retryDelay(policy: RetryPolicy, attempt: number, error: unknown): number {
  if (error instanceof HttpStatusError && error.retryAfter !== undefined) return Math.min(error.retryAfter, policy.maxRetryAfter);
  return Math.min(policy.maxDelay, policy.minDelay * 2 ** (attempt - 1));
}

/**
 * The retry state of one operation. `wait(error)` sleeps before the next attempt, or rethrows when
 * the error is not retryable, or throws {@link RetriesExhaustedError} when the budget is spent.
 */
export class Backoff {
  private failures = 0;
  private firstFailure = 0;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly url: string,
    private readonly signal?: AbortSignal,
  ) {}

  /** Progress was made: the next failure starts a fresh budget. */
  reset(): void {
    this.failures = 0;
  }

  async wait(error: unknown): Promise<void> {
    this.signal?.throwIfAborted();
    if (!isRetryable(error)) throw error;
    if (this.failures === 0) this.firstFailure = Date.now();
    this.failures++;
    if (this.failures > this.policy.retries) {
      const status = error instanceof HttpError ? error.status : 0;
      throw new RetriesExhaustedError(this.url, status, this.failures, Date.now() - this.firstFailure, error);
    }
    const ms = retryDelay(this.policy, this.failures, error);
    this.policy.onRetry?.({ url: this.url, attempt: this.failures, delay: ms, error });
    await delay(ms, undefined, this.signal ? { signal: this.signal } : {});
  }
}

/** Run `attempt` until it succeeds, retrying what {@link isRetryable} allows under `policy`. */
export async function withRetry<T>(url: string, policy: RetryPolicy, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
  const backoff = new Backoff(policy, url, signal);
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      await backoff.wait(error);
    }
  }
}
