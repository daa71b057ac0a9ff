import { STATUS_CODES } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { packageVersion } from '../core/package-root.js';
import { HttpStatusError } from './errors.js';
import type { ServerErrorBody } from './errors.js';
import { parseRetryAfter, withRetry, type RetryPolicy } from './retry.js';

/** Options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Sent as `Authorization: Bearer <token>` when set. */
  readonly token?: string | undefined;
  /** Milliseconds to wait for response headers. @default 30000 */
  readonly headersTimeout?: number;
  /** Milliseconds without body bytes before a response counts as lost (not counted while the reader applies backpressure). @default 60000 */
  readonly bodyTimeout?: number;
  /** Connections per origin. @default 8 */
  readonly connections?: number;
  readonly retry: RetryPolicy;
  /** Aborts every request and wait. */
  readonly signal?: AbortSignal | undefined;
}

/** A response whose status was accepted. */
export type HttpResponse = Dispatcher.ResponseData;

/** Largest error body read to build a message. */
const ERROR_BODY_LIMIT = 16 * 1024;

/**
 * The client's one HTTP door: an undici Agent with keep-alive and timeouts, the bearer token,
 * error statuses turned into {@link HttpStatusError}, and retries under one policy.
 */
export class HttpClient {
  private readonly agent: Agent;
  private readonly userAgent = `shardstream/${packageVersion()}`;

  constructor(private readonly options: HttpClientOptions) {
    this.agent = new Agent({
      connections: options.connections ?? 8,
      headersTimeout: options.headersTimeout ?? 30_000,
      bodyTimeout: options.bodyTimeout ?? 60_000,
    });
  }

  get retryPolicy(): RetryPolicy {
    return this.options.retry;
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /**
   * One GET, no retries. A status other than 2xx throws {@link HttpStatusError} after reading the
   * server's JSON error, so the caller owns the body only of a 2xx response.
   */
  async get(url: URL, init: { readonly headers?: Record<string, string>; readonly signal?: AbortSignal | undefined } = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...init.headers };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const signal = init.signal ?? this.options.signal;
    const res = await this.agent.request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'GET', headers, ...(signal ? { signal } : {}) });
    // undici's body emits an error when destroyed before its end (an abort, a body left unread):
    // every reader below handles errors its own way, this keeps a stray one from crashing the process.
    res.body.on('error', () => undefined);
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    throw await this.statusError(url, res);
  }

  /** GET the whole body, retrying under the policy. */
  async getBytes(url: URL): Promise<Buffer> {
    return this.retry(url, async () => Buffer.from(await (await this.get(url)).body.arrayBuffer()));
  }

  /** GET the body as UTF-8 text, retrying under the policy. */
  async getText(url: URL): Promise<string> {
    return (await this.getBytes(url)).toString('utf8');
  }

  /** Run `attempt` with the client's retry policy and signal. */
  retry<T>(url: URL | string, attempt: () => Promise<T>): Promise<T> {
    return withRetry(String(url), this.options.retry, this.options.signal, attempt);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async statusError(url: URL, res: HttpResponse): Promise<HttpStatusError> {
    const status = res.statusCode;
    const text = await readLimited(res.body, ERROR_BODY_LIMIT);
    const server = parseServerError(text);
    let message = `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
    if (server?.message) message += `: ${server.message}`;
    else if (text.trim() && !/^\s*</.test(text)) message += `: ${text.trim().slice(0, 200)}`;
    if (server?.param && !server.message?.includes(server.param)) message += ` (parameter ${server.param})`;
    if (status === 401) message += this.options.token ? ' (the token was refused)' : ' (a token is needed: the token option, --token or SHARDSTREAM_TOKEN)';
    if (status >= 300 && status < 400 && typeof res.headers.location === 'string') message += ` (redirected to ${res.headers.location}: use that URL)`;
    return new HttpStatusError(String(url), status, message, {
      serverCode: server?.code,
      param: server?.param,
      retryAfter: parseRetryAfter(res.headers['retry-after']),
    });
  }
}

/** The `error` object of a shard-server JSON error body, if `text` is one. */
export function parseServerError(text: string): ServerErrorBody | undefined {
  try {
    const json = JSON.parse(text) as { error?: unknown };
    const e = json.error;
    if (typeof e !== 'object' || e === null) return undefined;
    const { code, param, message } = e as Record<string, unknown>;
    return {
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof param === 'string' ? { param } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Up to `limit` bytes of a body as text; the rest is discarded with the connection. */
async function readLimited(body: HttpResponse['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) break;
    }
  } catch {
    // The status is what matters; a body cut short only loses detail.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
