import { setMaxListeners } from 'node:events';
import { InvalidInputError, InvalidParameterError, InvalidStateError } from '../core/errors.js';
import { MANIFEST_FILE, type Manifest } from '../shards/manifest.js';
import type { TensorBatch } from '../shards/tensor-batch.js';
import type { BatchSource, PendingBatch } from './batch-source.js';
import { DirectSource } from './direct-source.js';
import { EpochPlan } from './epoch-plan.js';
import { HttpStatusError } from './errors.js';
import { FileStore } from './file-store.js';
import { HttpClient } from './http.js';
import { HttpStore } from './http-store.js';
import { baseUrl, resolveBatchesOptions, type BatchesOptions, type ResolvedOptions } from './options.js';
import { prefetch, type PrefetchStats } from './prefetch.js';
import { fetchServerManifest, StreamSource } from './stream-source.js';

/** One batch as the trainer gets it: uint8 NHWC images, their global record ids, where it sits. */
export type Batch = TensorBatch;

/** An open batch stream: what it reads, and its batches (iterate once). */
export interface BatchStream extends AsyncIterable<Batch> {
  /** `stream` from a shard-server, `direct` from a shard set. */
  readonly mode: 'stream' | 'direct';
  /** The server URL, base URL or directory read. */
  readonly location: string;
  readonly manifest: Manifest;
  /** The partitions read, in numbering order. */
  readonly partitions: readonly string[];
  /** Records in the selected partitions (N). */
  readonly records: number;
  /** Batches this rank gets per epoch. */
  readonly batchesPerEpoch: number;
  /** Batches handed out so far, and the seconds the consumer spent waiting for them in `next()`. */
  stats(): { readonly batches: number; readonly waitSeconds: number };
  /**
   * Stop reading and release connections and files (iterating to the end or breaking out does it
   * too). An iteration in progress then ends without an error.
   */
  close(): Promise<void>;
}

/**
 * Batches for training, epoch after epoch, from a shard-server's `/v1/stream` or read directly
 * from a shard set (URL or directory), fetched `prefetch` batches ahead of the consumer.
 * Bad options throw here, at once; problems with the source surface on the first `next()`.
 */
export function batches(options: BatchesOptions): AsyncGenerator<Batch> {
  const resolved = resolveBatchesOptions(options);
  return (async function* () {
    const stream = await open(resolved);
    try {
      yield* stream;
    } finally {
      await stream.close();
    }
  })();
}

/**
 * Open the source (manifest, indexes, first checks) and return a {@link BatchStream}, so the
 * caller learns the record count and batches per epoch before the first batch.
 */
export async function openBatchStream(options: BatchesOptions): Promise<BatchStream> {
  return open(resolveBatchesOptions(options));
}

async function open(o: ResolvedOptions): Promise<BatchStream> {
  const controller = new AbortController();
  // Every request in flight listens to it.
  setMaxListeners(0, controller.signal);
  const onAbort = (): void => controller.abort(o.signal?.reason);
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const http = new HttpClient({
    token: o.token,
    headersTimeout: o.headersTimeout,
    bodyTimeout: o.bodyTimeout,
    connections: o.connections,
    retry: o.retry,
    signal: controller.signal,
  });
  let source: BatchSource;
  try {
    source = await openSource(o, http);
  } catch (error) {
    o.signal?.removeEventListener('abort', onAbort);
    await http.close();
    throw error;
  }
  let closing = false;
  const plan = new EpochPlan({ records: source.records, batchSize: o.batchSize, seed: o.seed, rank: o.rank, world: o.world, dropRemainder: o.dropRemainder });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      closing = true;
      controller.abort();
      o.signal?.removeEventListener('abort', onAbort);
      await source.close();
      await http.close();
    })());
  try {
    checkPlan(o, plan, source);
  } catch (error) {
    await close();
    throw error;
  }
  let iterated = false;
  const stats: PrefetchStats = { delivered: 0, waitMs: 0 };
  return {
    mode: source.mode,
    location: source.location,
    manifest: source.manifest,
    partitions: source.partitions,
    records: source.records,
    batchesPerEpoch: plan.batches,
    close,
    stats: () => ({ batches: stats.delivered, waitSeconds: stats.waitMs / 1000 }),
    [Symbol.asyncIterator]() {
      if (iterated) throw new InvalidStateError(source.location, 'a BatchStream can be iterated only once');
      iterated = true;
      return (async function* () {
        try {
          yield* prefetch(epochs(source, plan, o), { depth: o.prefetch, stop: () => controller.abort(), signal: controller.signal, stats });
          // Ended by the caller's signal: say so, with its reason.
          o.signal?.throwIfAborted();
        } catch (error) {
          // close() aborts what is in flight; that ends the iteration, it is not a failure.
          if (!closing || o.signal?.aborted) throw error;
        } finally {
          await close();
        }
      })();
    },
  };
}

/** Every batch of every epoch, in order, pending. */
async function* epochs(source: BatchSource, plan: EpochPlan, o: ResolvedOptions): AsyncGenerator<PendingBatch> {
  for (let e = o.startEpoch; e < o.endEpoch; e++) yield* source.epoch(plan, e, e === o.startEpoch ? o.startBatch : 0);
}

/** A directory or `mode: 'direct'` is read directly; otherwise a URL that serves `/v1/manifest` is a shard-server. */
async function openSource(o: ResolvedOptions, http: HttpClient): Promise<BatchSource> {
  const direct = { partitions: o.partitions, dataset: o.dataset, coalesceGap: o.coalesceGap };
  if (o.source.kind === 'dir') return DirectSource.open(new FileStore(o.source.dir), direct);
  const base = baseUrl(o.source);
  const stream = { dataset: o.dataset, partitions: o.partitions, format: o.format };
  if (o.mode === 'direct') return DirectSource.open(new HttpStore(base, http), direct);
  if (o.mode === 'stream' || o.source.streamUrl) return StreamSource.open(http, base, stream);
  let probe: unknown;
  const fetched = await fetchServerManifest(http, base, o.dataset).catch((error: unknown) => {
    if (!notAServer(error)) throw error;
    probe = error;
    return undefined;
  });
  if (fetched) return StreamSource.open(http, base, stream, fetched);
  try {
    return await DirectSource.open(new HttpStore(base, http), direct);
  } catch (error) {
    if (!(error instanceof HttpStatusError && error.status === 404 && error.url.endsWith(`/${MANIFEST_FILE}`))) throw error;
    throw new InvalidInputError(String(base), `is neither a shard-server (v1/manifest: ${brief(probe)}) nor a shard set (manifest.json: ${brief(error)})`, { cause: error });
  }
}

/**
 * The answer to `/v1/manifest` says "no shard-server API here" rather than "a server that refuses"
 * (401, 400 for a bad dataset, 5xx): then the URL may be a shard set's folder.
 */
function notAServer(error: unknown): boolean {
  if (error instanceof HttpStatusError) return [403, 404, 405, 410].includes(error.status);
  // Not a manifest: e.g. a static server that answers every path with an HTML page.
  return error instanceof InvalidInputError && /\/v1\/manifest(\?|$)/.test(error.file);
}

function brief(error: unknown): string {
  return error instanceof HttpStatusError ? `HTTP ${error.status}` : error instanceof Error ? error.message : String(error);
}

function checkPlan(o: ResolvedOptions, plan: EpochPlan, source: BatchSource): void {
  if (plan.batches === 0 && o.endEpoch > o.startEpoch) {
    const global = o.batchSize * o.world;
    throw new InvalidParameterError(
      'batchSize',
      `at most ${Math.floor(source.records / o.world)} (${source.records} records of ${source.partitions.join(',')} in ${source.location}${o.world > 1 ? ` over ${o.world} ranks` : ''} make no batch of ${global}${o.dropRemainder ? ' with dropRemainder' : ''})`,
      o.batchSize,
    );
  }
  if (o.startBatch > plan.batches) throw new InvalidParameterError('startBatch', `an integer from 0 to ${plan.batches} (batches per epoch)`, o.startBatch);
}
