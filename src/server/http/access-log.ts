import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redactTarget } from './redact.js';
import type { ServerMetrics } from '../server-metrics.js';

/** A request path as logged: secrets redacted (see redact.ts), bytes outside printable ASCII (and `"`) percent-encoded. */
export function loggablePath(url: string): string {
  return redactTarget(url).replace(/[^\x21-\x7e]|"/g, (c) => encodeURIComponent(c));
}

/** One access-log line. */
export interface AccessRecord {
  readonly time: Date;
  readonly client: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly bytes: number;
  readonly ms: number;
  /** The response was cut before its end (client gone, stall, failure). */
  readonly incomplete: boolean;
}

/** `2025-01-02T03:04:05.678Z 127.0.0.1 "GET /v1/stream?..." 200 123456 12.3ms` (+ ` incomplete`). */
export function formatAccessLine(r: AccessRecord): string {
  return `${r.time.toISOString()} ${r.client} "${r.method} ${loggablePath(r.path)}" ${r.status} ${r.bytes} ${r.ms.toFixed(1)}ms${r.incomplete ? ' incomplete' : ''}`;
}

/**
 * Log and count every request when its response closes (finished or cut): one access-log line,
 * and the request, byte and duration metrics by route. Bytes are those written to the
 * connection for this response, headers included.
 */
export function installAccessLog(app: FastifyInstance, metrics: ServerMetrics, sink: ((line: string) => void) | false): void {
  app.addHook('onRequest', (request, reply, done) => {
    trackResponse(request, reply, metrics, sink);
    done();
  });
}

/** What one answered request left to count and log. */
export interface Answered extends AccessRecord {
  /** The route pattern, `unmatched` (no route) or `unparsed` (the HTTP parser refused it). */
  readonly route: string;
}

/** Count one answered request in the metrics and write its access-log line. */
export function recordAnswered(a: Answered, metrics: ServerMetrics, sink: ((line: string) => void) | false): void {
  metrics.requests.inc({ route: a.route, method: a.method, status: String(a.status) });
  metrics.responseBytes.inc({ route: a.route }, a.bytes);
  metrics.requestSeconds.observe(a.ms / 1000, { route: a.route });
  if (sink) sink(formatAccessLine(a));
}

/** Watch one response and log it when it closes (also used for requests fastify rejects before its hooks). */
export function trackResponse(request: FastifyRequest, reply: FastifyReply, metrics: ServerMetrics, sink: ((line: string) => void) | false): void {
  const start = performance.now();
  const socket = request.raw.socket;
  const written0 = socket.bytesWritten;
  const time = new Date();
  reply.raw.once('close', () => {
    recordAnswered(
      {
        route: request.routeOptions.url ?? 'unmatched',
        time,
        client: socket.remoteAddress ?? '-',
        method: request.method,
        path: request.raw.url ?? '',
        status: reply.raw.statusCode,
        bytes: Math.max(0, socket.bytesWritten - written0),
        ms: performance.now() - start,
        incomplete: !reply.raw.writableFinished,
      },
      metrics,
      sink,
    );
  });
}
