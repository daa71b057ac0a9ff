import type { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { CorruptRecordError, InvalidInputError } from '../../core/errors.js';
import { batchesPerEpoch } from '../../shards/shuffle.js';
import { STREAM_HEADERS, STREAM_PATH } from '../../shards/stream-protocol.js';
import { ApiError, invalidParameter } from '../api-error.js';
import type { ServerContext } from '../context.js';
import { BufferPool } from '../stream/buffer-pool.js';
import type { Query } from '../http/query.js';
import { batchChunks, bodyRecords, buildBatch, type BatchChunk, type PipelineContext, type StreamPlan } from '../stream/pipeline.js';
import { parseStreamParams } from '../stream/params.js';
import type { TrackedStream } from '../stream/tracker.js';

/** Why a stream ended early, for the metric and the log. */
type EndReason = 'client_gone' | 'stalled' | 'bad_data' | 'internal' | 'server_closing';

function isDataError(error: unknown): boolean {
  return error instanceof CorruptRecordError || error instanceof InvalidInputError;
}

/** `GET /v1/stream`: a TFRecord-framed stream of shuffled batches (DESIGN §4, §5). */
export function registerStreamRoute(app: FastifyInstance, ctx: ServerContext): void {
  const { limits, metrics } = ctx;

  app.get(STREAM_PATH, async (request, reply) => {
    const req = parseStreamParams(request.query as Query, ctx.catalog, limits.maxBatchSize);
    if (ctx.isClosing()) throw new ApiError('ERR_SHUTTING_DOWN', 'The server is shutting down', { headers: { 'retry-after': String(limits.retryAfterSeconds) } });
    if (ctx.streams.size >= limits.maxStreams) {
      metrics.streamsRejected.inc();
      throw new ApiError('ERR_TOO_MANY_STREAMS', `The server already sends ${ctx.streams.size} streams (its limit); retry later`, {
        headers: { 'retry-after': String(limits.retryAfterSeconds) },
      });
    }

    // From here on the stream holds a slot until its response closes, however that happens.
    const abort = new AbortController();
    const state: { reason?: EndReason } = {};
    const res = reply.raw;
    const tracked = ctx.streams.track(req, request.raw.socket.remoteAddress ?? '-', res, () => {
      state.reason ??= 'server_closing';
      res.destroy();
    });
    metrics.streamsActive.inc();
    const socket = request.raw.socket;
    const onTimeout = (): void => void (state.reason ??= 'stalled');
    socket.once('timeout', onTimeout);
    res.once('close', () => {
      socket.removeListener('timeout', onTimeout);
      metrics.streamsActive.dec();
      if (!res.writableFinished) {
        state.reason ??= 'client_gone';
        metrics.streamErrors.inc({ reason: state.reason });
        abort.abort(new DOMException(`stream ended early: ${state.reason}`, 'AbortError'));
      }
    });

    const pipeline: PipelineContext = {
      reader: ctx.reader,
      images: ctx.images,
      shiftTable: ctx.shiftTable,
      decodeLimiter: ctx.decodeLimiter,
      pool: new BufferPool(limits.readAhead + 2),
      signal: abort.signal,
      readAhead: limits.readAhead,
      readAheadBytes: limits.readAheadBytes,
      onImages: (hits, decoded, seconds) => {
        metrics.imageCacheHits.inc({}, hits);
        if (decoded > 0) {
          metrics.decodedImages.inc({ encoding: req.dataset.manifest.image.encoding }, decoded);
          metrics.decodeSeconds.observe(seconds);
        }
      },
    };

    let plan: StreamPlan;
    let first: BatchChunk | undefined;
    try {
      const table = await req.dataset.table(req.partitions);
      const batch = { records: table.records, batchSize: req.batchSize, world: req.world, rank: req.rank, dropRemainder: req.dropRemainder };
      const batches = batchesPerEpoch(batch);
      if (req.startBatch > batches) throw invalidParameter('start_batch', `an integer from 0 to ${batches} (the batches per epoch)`, String(req.startBatch));
      plan = {
        dataset: req.dataset,
        table,
        perm: ctx.permutations.get(table.records, req.seed, req.epoch),
        batch,
        epoch: req.epoch,
        batches,
        startBatch: req.startBatch,
        format: req.format,
        maxRecordBytes: table.shards.reduce((n, s) => Math.max(n, req.dataset.shard(s.name).maxRecordBytes), 0),
      };
      // The first batch is built before the headers go out, so a broken shard still gets a JSON error.
      first = plan.startBatch < batches ? await buildBatch(plan, pipeline, plan.startBatch) : undefined;
    } catch (error) {
      if (abort.signal.aborted) {
        // The client left (or the server is closing) before the first batch: nobody to answer.
        reply.hijack();
        return reply;
      }
      if (isDataError(error)) {
        ctx.log(`stream of ${req.dataset.name} refused: ${(error as Error).message}`);
        throw new ApiError('ERR_BAD_DATA', (error as Error).message, { cause: error });
      }
      throw error;
    }

    const { image } = req.dataset.manifest;
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'cache-control': 'no-store',
      [STREAM_HEADERS.dataset]: req.dataset.name,
      [STREAM_HEADERS.partitions]: req.partitions.join(','),
      [STREAM_HEADERS.format]: req.format,
      [STREAM_HEADERS.records]: String(plan.table.records),
      // What a complete body holds: with the chunked end, how a client tells it from a cut one.
      [STREAM_HEADERS.bodyRecords]: String(bodyRecords(plan)),
      [STREAM_HEADERS.batches]: String(plan.batches),
      [STREAM_HEADERS.startBatch]: String(plan.startBatch),
      [STREAM_HEADERS.fingerprint]: req.dataset.manifestSha256,
    };
    if (req.format === 'tensor') headers[STREAM_HEADERS.imageShape] = `${image.height},${image.width},${image.channels}`;
    // From here the response is written directly (one chunk per batch, waiting for 'drain');
    // fastify's hooks and error handler are done with it.
    reply.hijack();
    res.writeHead(200, headers);
    void writeBatches(res, counted(plan, pipeline, first, state), pipeline.pool, tracked);
    return reply;
  });

  /** The stream's batches, counting what is handed on and logging a failure. */
  async function* counted(plan: StreamPlan, pipeline: PipelineContext, first: BatchChunk | undefined, state: { reason?: EndReason }): AsyncGenerator<BatchChunk> {
    const labels = { dataset: plan.dataset.name, format: plan.format };
    try {
      for await (const chunk of batchChunks(plan, pipeline, first)) {
        metrics.streamBatches.inc(labels);
        metrics.streamRecords.inc(labels, chunk.records);
        yield chunk;
      }
    } catch (error) {
      if (!pipeline.signal.aborted) {
        state.reason ??= isDataError(error) ? 'bad_data' : 'internal';
        ctx.log(`stream of ${plan.dataset.name} failed, the response is cut: ${(error as Error).message}`);
      }
      throw error;
    }
  }
}

const CRLF = Buffer.from('\r\n', 'latin1');

/**
 * Write each batch as one HTTP chunk (telling `tracked` of it), then wait
 * for 'drain' when the socket is full: a client that reads slowly stops the pipeline, which
 * prepares at most its read-ahead. A failure cuts the response (the chunked body never ends, so
 * the client sees it).
 */
async function writeBatches(res: ServerResponse, body: AsyncGenerator<BatchChunk>, pool: BufferPool, tracked: TrackedStream): Promise<void> {
  try {
    // A response to a pipelined request gets the socket once the responses before it are done.
    if (!res.socket) await firstEvent([res, 'socket'], [res, 'close']);
    // The head goes out now: the batches are written to the socket, behind it.
    if (!res.destroyed) res.flushHeaders();
    let complete = true;
    for await (const chunk of body) {
      if (res.destroyed || !res.socket) {
        complete = false;
        break;
      }
      const ok = writeChunk(res.socket, res.chunkedEncoding, chunk, pool);
      tracked.batchSent(chunk.records);
      if (!ok && !res.destroyed) await firstEvent([res.socket, 'drain'], [res, 'close']);
    }
    // Only a body with every batch gets its end (the last chunk, or a clean close for HTTP/1.0).
    if (complete && !res.destroyed) res.end();
    else res.destroy();
  } catch {
    res.destroy();
  } finally {
    await body.return(undefined);
  }
}

/**
 * Write a batch's parts straight to the response's socket, corked into one writev, with the
 * chunk framing that `res.write` would add: `res.write` takes one buffer per chunk, which would
 * mean copying the records of a batch (views into the record cache) into one buffer first.
 * Pooled parts go back to the pool once the socket has taken them. False when the socket is full.
 */
function writeChunk(socket: Socket, chunked: boolean, chunk: BatchChunk, pool: BufferPool): boolean {
  // An empty chunk would end a chunked body.
  if (chunk.length === 0) return true;
  socket.cork();
  if (chunked) socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
  let ok = true;
  for (const part of chunk.parts) {
    ok = socket.write(part, chunk.pooled ? (error) => void (error ?? pool.release(part)) : undefined);
  }
  if (chunked) ok = socket.write(CRLF);
  socket.uncork();
  return ok;
}

/** Resolves on the first of the events, and stops listening to all of them. */
function firstEvent(...events: [EventEmitter, string][]): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const [target, name] of events) target.off(name, done);
      resolve();
    };
    for (const [target, name] of events) target.on(name, done);
  });
}
