import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { installAccessLog, loggablePath, trackResponse } from './http/access-log.js';
import { bearerChecker } from './http/auth.js';
import { Catalog } from './catalog.js';
import { clientErrorHandler, installConnectRefusal } from './http/client-errors.js';
import { ConnectionTracker } from './http/connections.js';
import { crc32cShiftTable } from '../tfrecord/crc-combine.js';
import type { ServerContext } from './context.js';
import { Limiter } from '../core/limiter.js';
import { LruCache } from '../core/lru.js';
import { resolveLimits, type ShardServerLimits, type ShardServerOptions } from './options.js';
import { PermutationCache } from './cache/permutation-cache.js';
import { preloadDatasets } from './cache/preload.js';
import { RecordReader } from './cache/record-reader.js';
import { registerFileRoutes } from './routes/files.js';
import { registerMetaRoutes } from './routes/meta.js';
import { registerStreamRoute } from './routes/stream.js';
import { registerUiRoutes } from './routes/ui.js';
import { createServerMetrics } from './server-metrics.js';
import type { StreamImage } from './stream/tensor-decode.js';
import { StreamTracker } from './stream/tracker.js';
import { pageAuthorization } from './ui/page.js';

/** Milliseconds requests in progress may go on after close() before they are cut. */
const CLOSE_GRACE_MS = 10_000;

/** One served dataset, as the server reports it at start. */
export interface DatasetSummary {
  readonly name: string;
  readonly dir: string;
  readonly records: number;
  readonly partitions: readonly { readonly name: string; readonly records: number; readonly shards: number }[];
}

/** A running shard server. */
export interface ShardServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly host: string;
  /** The port listened on (the real one when 0 was asked). */
  readonly port: number;
  readonly datasets: readonly DatasetSummary[];
  /** The limits in force. */
  readonly limits: Required<ShardServerLimits>;
  /** The `/metrics` text. */
  metrics(): string;
  /** Streams being sent, what the record cache holds, images waiting to be decoded, open connections. */
  stats(): { readonly activeStreams: number; readonly cacheBytes: number; readonly cacheEntries: number; readonly decodeQueue: number; readonly connections: number };
  /** Stop accepting, cut the streams in progress, finish other requests, close the files. */
  close(): Promise<void>;
}

/**
 * Start a shard server (DESIGN §5) on `host:port` for the shard set(s) in `options.data`.
 * Resolves once it listens.
 */
export async function createShardServer(options: ShardServerOptions): Promise<ShardServer> {
  const limits = resolveLimits(options);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${new Date().toISOString()} shard-server: ${line}\n`));
  const accessLog = options.accessLog ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const catalog = await Catalog.load(options.data, options);

  const images = new LruCache<number, StreamImage>({ maxBytes: limits.imageCacheBytes, sizeOf: (img) => img.pixels.length });
  // What the record cache holds, read at scrape time.
  const recordCache = {
    get bytes(): number {
      return reader.cachedBytes;
    },
    get size(): number {
      return reader.cachedRecords;
    },
  };
  const metrics = createServerMetrics(recordCache, images);
  const reader = new RecordReader({ cacheBytes: limits.cacheBytes, metrics, verify: limits.verifyRecords });
  const shiftTables = new Map<number, Uint32Array>();
  let closing = false;
  const ctx: ServerContext = {
    catalog,
    limits,
    metrics,
    reader,
    images,
    shiftTable: (bytes) => {
      let t = shiftTables.get(bytes);
      if (!t) {
        t = crc32cShiftTable(bytes);
        shiftTables.set(bytes, t);
      }
      return t;
    },
    permutations: new PermutationCache(limits.permutationCacheEntries),
    decodeLimiter: new Limiter(limits.decodeConcurrency),
    streams: new StreamTracker(),
    log,
    isClosing: () => closing,
  };

  const sendError = (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const api = toApiError(error, request, log);
    return reply.code(api.status).headers(api.headers).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(api.toBody());
  };

  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Socket inactivity: a client that reads nothing for this long is disconnected.
    connectionTimeout: limits.stallTimeoutMs,
    routerOptions: { maxParamLength: 512 },
    // Node checks request and header timeouts on this interval (30 s by default, too coarse).
    http: { connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.requestTimeoutMs / 4))), headersTimeout: Math.min(limits.requestTimeoutMs, 60_000) },
    clientErrorHandler: clientErrorHandler(metrics, accessLog),
    frameworkErrors: (error, request, reply) => {
      trackResponse(request, reply, metrics, accessLog);
      void sendError(error, request, reply);
    },
  });

  const connections = new ConnectionTracker(app.server);
  installConnectRefusal(app.server, metrics, accessLog);
  installAccessLog(app, metrics, accessLog);
  if (options.token !== undefined && options.token !== '') {
    const check = bearerChecker(options.token);
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.url !== '/healthz') check(request.headers.authorization ?? pageAuthorization(request));
    });
  }
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => sendError(new ApiError('ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`), request, reply));
  registerMetaRoutes(app, ctx);
  registerFileRoutes(app, ctx);
  registerStreamRoute(app, ctx);
  registerUiRoutes(app, ctx);

  try {
    await app.listen({ host, port });
  } catch (error) {
    await reader.close();
    await catalog.close();
    throw error;
  }
  const preloading = options.preload ? preloadDatasets(catalog, reader, log, () => closing) : undefined;
  const address = app.server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    limits,
    datasets: [...catalog.datasets.values()].map((ds) => ({
      name: ds.name,
      dir: ds.dir,
      records: ds.records,
      partitions: ds.manifest.partitions.map((p) => ({ name: p.name, records: p.records, shards: p.shards.length })),
    })),
    metrics: () => metrics.registry.expose(),
    stats: () => ({
      activeStreams: ctx.streams.size,
      cacheBytes: reader.cachedBytes,
      cacheEntries: reader.cachedRecords,
      decodeQueue: ctx.decodeLimiter.queued + ctx.decodeLimiter.running,
      connections: connections.size,
    }),
    close: () => {
      closed ??= (async () => {
        closing = true;
        const closeApp = app.close();
        ctx.streams.cutAll();
        connections.closeIdle();
        // Requests still running (a long file download) get a grace period, then are cut too.
        const grace = setTimeout(() => connections.destroyAll(), CLOSE_GRACE_MS);
        await closeApp;
        clearTimeout(grace);
        await preloading;
        await reader.close();
        await catalog.close();
      })();
      return closed;
    },
  };
}

/** Map anything thrown to the error sent: ours as is, fastify's 4xx as bad requests, the rest as 500 (logged, never sent). */
function toApiError(error: unknown, request: FastifyRequest, log: (line: string) => void): ApiError {
  if (error instanceof ApiError) return error;
  const status = (error as FastifyError | undefined)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 404) return new ApiError('ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
    if (status === 414) return new ApiError('ERR_URI_TOO_LONG', 'A path segment is too long');
    return new ApiError('ERR_BAD_REQUEST', `Bad request: ${(error as Error).message}`, { status });
  }
  log(`internal error on ${request.method} ${loggablePath(request.url.split('?')[0] ?? '')}: ${(error as Error)?.stack ?? String(error)}`);
  return new ApiError('ERR_INTERNAL', 'Internal server error');
}
