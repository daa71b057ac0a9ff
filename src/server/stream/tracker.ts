import type { ServerResponse } from 'node:http';
import { batchesPerEpoch } from '../../shards/shuffle.js';
import type { StreamFormat } from '../../shards/stream-protocol.js';
import type { StreamRequest } from './params.js';

/** Seconds over which a stream's images/s is measured. @default 3 */
const RATE_WINDOW_MS = 3000;

/** An open stream as the UI shows it. */
export interface OpenStreamInfo {
  readonly id: number;
  readonly client: string;
  readonly dataset: string;
  readonly partitions: readonly string[];
  readonly format: StreamFormat;
  readonly epoch: number;
  readonly rank: number;
  readonly world: number;
  readonly batch_size: number;
  /** Next batch to send (start_batch + batches sent): progress is `batch`/`batches`. */
  readonly batch: number;
  readonly batches: number;
  readonly images_sent: number;
  /** Images sent per second over the last few seconds. */
  readonly images_per_second: number;
  readonly seconds_open: number;
}

/** Open streams and totals since the server started. */
export interface StreamsSnapshot {
  readonly streams: readonly OpenStreamInfo[];
  readonly totals: {
    readonly open: number;
    /** Images per second of all streams (closed ones too) over the last few seconds. */
    readonly images_per_second: number;
    readonly streams_started: number;
    readonly batches_sent: number;
    readonly images_sent: number;
  };
}

interface Tracked {
  readonly info: Omit<OpenStreamInfo, 'batch' | 'images_sent' | 'images_per_second' | 'seconds_open'>;
  readonly res: ServerResponse;
  readonly cut: () => void;
  readonly startBatch: number;
  readonly started: number;
  sent: number;
  images: number;
  readonly rate: RateMeter;
}

/** A count's rate over the last {@link RATE_WINDOW_MS}, from (time, total) samples. */
class RateMeter {
  /** Samples in time order; the oldest is at or before the window's start. */
  private readonly samples: { t: number; total: number }[];

  constructor(private readonly start: number) {
    this.samples = [{ t: start, total: 0 }];
  }

  add(t: number, total: number): void {
    this.samples.push({ t, total });
    while (this.samples.length > 2 && this.samples[1]!.t <= t - RATE_WINDOW_MS) this.samples.shift();
  }

  /** Per second over the window (or since the start, when that is more recent). */
  perSecond(now: number, total: number): number {
    const since = Math.max(this.start, now - RATE_WINDOW_MS);
    // The total at `since`: the last sample at or before it.
    let base = this.samples[0]!;
    for (const sample of this.samples) if (sample.t <= since) base = sample;
    const seconds = (now - since) / 1000;
    return seconds > 0.05 ? Math.round((total - base.total) / seconds) : 0;
  }
}

/** A stream the tracker holds, from its slot until its response closes. */
export interface TrackedStream {
  /** A batch of `records` records was handed to the socket. */
  batchSent(records: number): void;
}

/**
 * The streams `/v1/stream` is sending: the route opens one when it grants a slot (the count
 * is the server's cap), tells it of each batch sent, and the stream leaves when its response
 * closes. The server cuts them all when it closes; the UI lists them.
 */
export class StreamTracker {
  private readonly open = new Map<number, Tracked>();
  private nextId = 1;
  private started = 0;
  private batches = 0;
  private images = 0;
  /** Images of all streams, closed ones included. */
  private readonly rate: RateMeter;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.rate = new RateMeter(now());
  }

  /** Streams holding a slot now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Track the stream of `req`, answered on `res`, until `res` closes; `cut` ends it when the
   * server closes. A stream preparing its first batch (reads, decodes) is listed at 0 batches.
   */
  track(req: StreamRequest, client: string, res: ServerResponse, cut: () => void): TrackedStream {
    const records = req.dataset.manifest.partitions.filter((p) => req.partitions.includes(p.name)).reduce((n, p) => n + p.records, 0);
    const plan = { records, batchSize: req.batchSize, world: req.world, rank: req.rank, dropRemainder: req.dropRemainder };
    const id = this.nextId++;
    const tracked: Tracked = {
      info: { id, client, dataset: req.dataset.name, partitions: req.partitions, format: req.format, epoch: req.epoch, rank: req.rank, world: req.world, batch_size: req.batchSize, batches: batchesPerEpoch(plan) },
      res,
      cut,
      startBatch: req.startBatch,
      started: this.now(),
      sent: 0,
      images: 0,
      rate: new RateMeter(this.now()),
    };
    this.open.set(id, tracked);
    res.once('close', () => this.open.delete(id));
    return { batchSent: (n) => this.countBatch(tracked, n) };
  }

  /** End every stream (the server is closing). */
  cutAll(): void {
    for (const s of [...this.open.values()]) s.cut();
  }

  private countBatch(s: Tracked, n: number): void {
    if (s.sent === 0) this.started++;
    s.sent++;
    s.images += n;
    this.batches++;
    this.images += n;
    const t = this.now();
    s.rate.add(t, s.images);
    this.rate.add(t, this.images);
  }

  /** The open streams (oldest first) and the totals. */
  snapshot(): StreamsSnapshot {
    const now = this.now();
    // A request refused (400, 503) is not a stream, even for the moment until it closes.
    const open = [...this.open.values()].filter((s) => !s.res.headersSent || s.res.statusCode === 200);
    const streams = open.map((s) => ({
      ...s.info,
      batch: s.startBatch + s.sent,
      images_sent: s.images,
      images_per_second: s.rate.perSecond(now, s.images),
      seconds_open: Math.round((now - s.started) / 100) / 10,
    }));
    return {
      streams,
      totals: {
        open: streams.length,
        images_per_second: this.rate.perSecond(now, this.images),
        streams_started: this.started,
        batches_sent: this.batches,
        images_sent: this.images,
      },
    };
  }
}
