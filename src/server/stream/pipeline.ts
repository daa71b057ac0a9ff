import type { RecordTable } from '../../shards/record-table.js';
import { batchPositions, batchRecordIds, type BatchPlanOptions } from '../../shards/shuffle.js';
import type { BufferPool } from './buffer-pool.js';
import type { Dataset } from '../catalog.js';
import { abortError } from '../../core/limiter.js';
import type { LruCache } from '../../core/lru.js';
import type { ServerContext } from '../context.js';
import type { StreamFormat } from '../../shards/stream-protocol.js';
import { decodeRecordsPixels, type StreamImage, type StreamImages } from './tensor-decode.js';
import { TensorRecord } from './tensor-record.js';

/** Everything that fixes the bytes of one stream. */
export interface StreamPlan {
  readonly dataset: Dataset;
  readonly table: RecordTable;
  /** The epoch's permutation of [0, table.records). */
  readonly perm: Uint32Array;
  readonly batch: Required<BatchPlanOptions>;
  readonly epoch: number;
  /** Batches of this rank in the epoch. */
  readonly batches: number;
  readonly startBatch: number;
  readonly format: StreamFormat;
  /** The largest record of the table, framing included: with the count, it bounds a batch's bytes. */
  readonly maxRecordBytes: number;
}

/**
 * TFRecord records of the whole body (`X-Shardstream-Body-Records`): one per batch for tensor,
 * the batches' records for records. Every batch but an epoch's last holds `batchSize` records
 * (DESIGN §4), so only the last one is looked at.
 */
export function bodyRecords(plan: StreamPlan): number {
  const sent = plan.batches - plan.startBatch;
  if (sent <= 0) return 0;
  if (plan.format === 'tensor') return sent;
  const last = batchPositions(plan.batch, plan.batches - 1);
  return (sent - 1) * plan.batch.batchSize + (last.end - last.start);
}

/** What the pipeline works with: the server's record reader, image cache (by record cache key), CRC shift tables and decode limiter, and the stream's own. */
export interface PipelineContext extends Pick<ServerContext, 'reader' | 'images' | 'shiftTable' | 'decodeLimiter'> {
  /** The stream's output buffers (tensor batches); a batch's buffer goes back once the socket has taken it. */
  readonly pool: BufferPool;
  /** Aborts the stream's work (the client went away). */
  readonly signal: AbortSignal;
  /** Batches prepared ahead of the one being sent. */
  readonly readAhead: number;
  /** Bytes prepared ahead (at least one batch is always allowed). */
  readonly readAheadBytes: number;
  /** Called for each tensor batch: images found in the image cache, images decoded, decode seconds. */
  readonly onImages?: (hits: number, decoded: number, seconds: number) => void;
}

/** One batch ready to send. */
export interface BatchChunk {
  readonly index: number;
  readonly records: number;
  /**
   * TFRecord-framed bytes, to send one after the other: the batch's records as they are in the
   * record cache (views, sent without a copy), or one tensor record.
   */
  readonly parts: readonly Buffer[];
  /** Bytes of all parts. */
  readonly length: number;
  /** The parts are buffers of the stream's pool, to give back once the socket has taken them. */
  readonly pooled: boolean;
}

/**
 * Bytes a batch will take, to bound the read-ahead before it is built: for records, the count
 * times the largest record when that fits in `room` (no record looked up), else the exact sum.
 */
function estimateBytes(plan: StreamPlan, ids: Uint32Array, room: number): number {
  if (plan.format === 'tensor') {
    const { height, width, channels } = plan.dataset.manifest.image;
    return ids.length * (height ?? 0) * (width ?? 0) * channels + 64 + 10 * ids.length;
  }
  const bound = ids.length * plan.maxRecordBytes;
  if (bound <= room) return bound;
  let n = 0;
  for (let i = 0; i < ids.length; i++) n += plan.table.locate(ids[i]!).size;
  return n;
}

/** Where record `id` of a table is, for error messages. */
function describeRecord(table: RecordTable, id: number): string {
  const loc = table.locate(id);
  return `${loc.shard.name} @ byte ${loc.offset}: record ${loc.position} (id ${id})`;
}

/** Build batch `k`. */
export async function buildBatch(plan: StreamPlan, ctx: PipelineContext, k: number): Promise<BatchChunk> {
  const ids = batchRecordIds(plan.perm, plan.batch, k);
  if (plan.format === 'records') {
    const records = await ctx.reader.read(plan.dataset, plan.table, ids);
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    let length = 0;
    for (const r of records) length += r.length;
    return { index: k, records: ids.length, parts: records, length, pooled: false };
  }
  return buildTensorBatch(plan, ctx, k, ids);
}

/** A `format=tensor` batch: images from the image cache, the others read and decoded, then one record. */
async function buildTensorBatch(plan: StreamPlan, ctx: PipelineContext, k: number, ids: Uint32Array): Promise<BatchChunk> {
  const { image } = plan.dataset.manifest;
  const shape = [image.height!, image.width!, image.channels] as const;
  const size = shape[0] * shape[1] * shape[2];
  const keys = Array.from(ids, (id) => ctx.reader.keyOf(plan.dataset, plan.table, id));
  const found: (StreamImage | undefined)[] = keys.map((key) => ctx.images.get(key));
  const missing: number[] = [];
  found.forEach((f, i) => f === undefined && missing.push(i));
  let seconds = 0;
  let decoded: StreamImages | undefined;
  if (missing.length > 0) {
    const records = await ctx.reader.read(plan.dataset, plan.table, missing.map((i) => ids[i]!));
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const t0 = performance.now();
    decoded = await decodeRecordsPixels(records, { image, shape, limiter: ctx.decodeLimiter, signal: ctx.signal, nameOf: (j) => describeRecord(plan.table, ids[missing[j]!]!) });
    seconds = (performance.now() - t0) / 1000;
  }
  try {
    const keep = ctx.images.keeps(size);
    decoded?.images.forEach((img, j) => {
      const i = missing[j]!;
      found[i] = img;
      // The cache gets its own copy: the decoded pixels are views into buffers reused by later batches.
      if (keep) {
        const pixels = Buffer.allocUnsafeSlow(size);
        pixels.set(img.pixels);
        ctx.images.set(keys[i]!, { pixels, crc: img.crc });
      }
    });
    ctx.onImages?.(ids.length - missing.length, missing.length, seconds);
    const record = TensorRecord.create({ shape: [ids.length, ...shape], ids: Array.from(ids), epoch: plan.epoch, batchIndex: k }, size, ctx.shiftTable(size), (n) => ctx.pool.acquire(n));
    found.forEach((img, i) => record.setImage(i, img!.pixels, img!.crc));
    const bytes = record.finish();
    return { index: k, records: ids.length, parts: [bytes], length: bytes.length, pooled: true };
  } finally {
    decoded?.release();
  }
}

/**
 * The stream's batches from `first` (already built, or undefined) on, in order. Up to
 * `readAhead` batches (and `readAheadBytes`) are built ahead; nothing more is started while the
 * consumer does not pull, so a slow client holds the server to that bound.
 */
export async function* batchChunks(plan: StreamPlan, ctx: PipelineContext, first?: BatchChunk): AsyncGenerator<BatchChunk> {
  let next = plan.startBatch;
  if (first) {
    next = first.index + 1;
    yield first;
  }
  const queue: { bytes: number; chunk: Promise<BatchChunk> }[] = [];
  let queuedBytes = 0;
  const fill = (): void => {
    while (next < plan.batches && queue.length < ctx.readAhead) {
      const bytes = estimateBytes(plan, batchRecordIds(plan.perm, plan.batch, next), ctx.readAheadBytes - queuedBytes);
      if (queue.length > 0 && queuedBytes + bytes > ctx.readAheadBytes) break;
      const chunk = buildBatch(plan, ctx, next);
      // Awaited below in order; this handler only keeps a batch that fails while an
      // earlier one is being sent from counting as unhandled.
      chunk.catch(() => undefined);
      queue.push({ bytes, chunk });
      queuedBytes += bytes;
      next++;
    }
  };
  try {
    for (;;) {
      fill();
      const head = queue.shift();
      if (!head) return;
      const chunk = await head.chunk;
      queuedBytes -= head.bytes;
      yield chunk;
    }
  } finally {
    // Work already started finishes (it fills the shared cache); no new work starts.
    queue.length = 0;
  }
}
