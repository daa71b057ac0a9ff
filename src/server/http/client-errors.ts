import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { recordAnswered } from './access-log.js';
import { ApiError } from '../api-error.js';
import type { ServerMetrics } from '../server-metrics.js';

/** Methods the server answers, for the `Allow` header of a 405. */
const ALLOWED_METHODS = 'GET, HEAD';

/** Milliseconds a refused connection may take to read its error before it is cut. */
const LINGER_MS = 2000;

/** The documented error for what Node's HTTP parser refused (`error.code` is llhttp's, e.g. `HPE_INVALID_METHOD`). */
export function parserError(error: NodeJS.ErrnoException): ApiError {
  const code = error.code ?? 'HPE_UNKNOWN';
  if (code === 'HPE_HEADER_OVERFLOW') return new ApiError('ERR_HEADERS_TOO_LARGE', 'Request headers: larger than the server accepts (16 KiB with the request line)');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ApiError('ERR_REQUEST_TIMEOUT', 'Request: not received whole within the request timeout');
  return new ApiError('ERR_BAD_REQUEST', `Bad request: the HTTP parser rejected the request (${code})`);
}

/** Write a raw error response, then close the connection (cut it if the client does not read). */
function answer(socket: Duplex, error: ApiError): number {
  const bytes = error.toRawResponse();
  socket.write(bytes);
  const socketLike = socket as Partial<Socket>;
  if (typeof socketLike.destroySoon === 'function') socketLike.destroySoon();
  else socket.end();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
  return bytes.length;
}

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refused (bad request line, huge
 * headers, a timeout) gets the `{"error": {...}}` body of every other error, is counted (route
 * `unparsed`) and logged as `"- -"`: there is no trustworthy method or path to show.
 */
export function clientErrorHandler(metrics: ServerMetrics, sink: ((line: string) => void) | false): (error: Error, socket: Socket) => void {
  return (error, socket) => {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // A response already under way on this connection (pipelining) cannot be followed by another head.
    const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (!socket.writable || (current && current.headersSent)) {
      socket.destroy();
      return;
    }
    const api = parserError(err);
    const start = performance.now();
    const bytes = answer(socket, api);
    recordAnswered(
      { route: 'unparsed', time: new Date(), client: socket.remoteAddress ?? '-', method: '-', path: '-', status: api.status, bytes, ms: performance.now() - start, incomplete: false },
      metrics,
      sink,
    );
  };
}

/** Answer `CONNECT` (Node hands it to a `connect` listener, or drops the connection without a word) with a 405. */
export function installConnectRefusal(server: Server, metrics: ServerMetrics, sink: ((line: string) => void) | false): void {
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const start = performance.now();
    const api = new ApiError('ERR_METHOD_NOT_ALLOWED', `${req.method ?? 'CONNECT'}: not allowed (this server is no proxy; it serves ${ALLOWED_METHODS})`, {
      headers: { allow: ALLOWED_METHODS },
    });
    socket.on('error', () => undefined);
    const bytes = answer(socket, api);
    recordAnswered(
      { route: 'unmatched', time: new Date(), client: req.socket.remoteAddress ?? '-', method: req.method ?? 'CONNECT', path: req.url ?? '', status: api.status, bytes, ms: performance.now() - start, incomplete: false },
      metrics,
      sink,
    );
  });
}
