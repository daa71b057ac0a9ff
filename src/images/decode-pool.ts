import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compiledModuleUrl } from '../core/worker-module.js';
import { DecodeKind, type DecodeRequest, type DecodeResponse, type DecodeResult } from './decode-protocol.js';
import type { FastEncoding } from './fast-decode.js';
import { InvalidParameterError, WorkerExitedError } from '../core/errors.js';

/** Images per message at least: fewer would cost more in hand-offs than they gain in parallelism. */
const MIN_SLICE = 8;

/**
 * Bytes of free buffers kept, for encoded images and for pixels each: enough for the slices of
 * the server's 8 batches decoding at once (256 images of 64×64×3: 16 × 1.7 MB of pixels).
 */
const MAX_FREE_BYTES = 32 * 1024 * 1024;

/** A decoded batch: each image's outcome in order, and their CRCs when asked for. */
export interface DecodedBatch {
  readonly results: readonly DecodeResult[];
  /** CRC-32C of each `ok` image's pixels with `crc: true` (0 for the others), else undefined. */
  readonly crcs: Uint32Array | undefined;
  /**
   * Give the pixel buffers back to the pool for later batches; the `ok` pixels must not be read
   * after. Optional: without it they are garbage-collected like any buffer.
   */
  release(): void;
}

/** Options of {@link DecodePool.decode}. */
export interface PoolDecodeOptions {
  /** Compute each image's CRC-32C on the worker threads. @default false */
  readonly crc?: boolean;
}

interface Pending {
  readonly resolve: (res: DecodeResponse) => void;
  readonly reject: (error: Error) => void;
}

/** One worker thread of the pool and the batches it has been sent. */
class DecodeThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  dead: Error | undefined;

  constructor(onDeath: (thread: DecodeThread) => void) {
    // no execArgv: inherited ones like `--input-type` (with `-e`) make a worker fail
    this.worker = new Worker(compiledModuleUrl(import.meta.url, './decode-worker.js'), { execArgv: [] });
    this.worker.on('message', (res: DecodeResponse) => {
      const p = this.pending.get(res.id);
      this.pending.delete(res.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(res);
    });
    const die = (error: Error): void => {
      if (this.dead) return;
      this.dead = error;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      onDeath(this);
    };
    this.worker.on('error', die);
    this.worker.on('exit', (code) => die(new WorkerExitedError('decode worker', code)));
    this.worker.unref();
  }

  send(req: DecodeRequest): Promise<DecodeResponse> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(req.id, { resolve, reject });
      this.worker.postMessage(req, req.out ? [req.data.buffer as ArrayBuffer, req.out] : [req.data.buffer as ArrayBuffer]);
    });
  }
}

/**
 * Worker threads (one per core by default) that decode small JPEG and PNG images with the
 * WASM codecs of fast-decode.ts. A batch is split into one slice per thread; each slice travels
 * as one transferred buffer and its pixels come back in one transferred buffer. Both buffers are
 * reused by later batches (fresh memory costs page faults, as much as a tenth of a decode), the
 * pixel buffers once the caller releases them. Threads start on first need (50–100 ms each) and
 * never hold the process open while idle; a thread that dies fails its batches and is replaced on
 * the next one.
 */
export class DecodePool {
  private readonly threads: DecodeThread[] = [];
  private nextId = 0;
  /** Buffers for encoded images and for pixels, back from the threads and free. */
  private readonly freeInputs: ArrayBuffer[] = [];
  private readonly freeOutputs: ArrayBuffer[] = [];

  /** @param size threads at most. @default os.availableParallelism() */
  constructor(readonly size = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new InvalidParameterError('size', 'a positive integer', size);
  }

  /** The process's pool, started on first use (process-wide like libuv's thread pool). */
  static shared(): DecodePool {
    return (sharedPool ??= new DecodePool());
  }

  /** Decode `images` (all of one encoding) to uint8 HWC with `channels`; results in order. */
  async decode(images: readonly Uint8Array[], encoding: FastEncoding, channels: number, options: PoolDecodeOptions = {}): Promise<DecodedBatch> {
    const crc = options.crc ?? false;
    if (images.length === 0) return { results: [], crcs: crc ? new Uint32Array(0) : undefined, release: () => undefined };
    const slices = Math.max(1, Math.min(this.size, Math.floor(images.length / MIN_SLICE)));
    const per = Math.ceil(images.length / slices);
    const parts: Promise<DecodeResponse>[] = [];
    for (let s = 0; s < images.length; s += per) parts.push(this.thread().send(this.request(images, s, Math.min(images.length, s + per), encoding, channels, crc)));
    const responses = await Promise.all(parts);
    const results: DecodeResult[] = [];
    const crcs = crc ? new Uint32Array(images.length) : undefined;
    for (const res of responses) {
      this.keep(this.freeInputs, res.data.buffer as ArrayBuffer);
      for (let i = 0; i < res.kinds.length; i++) {
        if (crcs) crcs[results.length] = res.crcs![i]!;
        const kind = res.kinds[i];
        if (kind === DecodeKind.Fallback) results.push({ kind: 'fallback' });
        else if (kind === DecodeKind.Error) results.push({ kind: 'error', message: res.errors[i]! });
        else {
          const [width, height, at] = [res.layout[3 * i]!, res.layout[3 * i + 1]!, res.layout[3 * i + 2]!];
          results.push({ kind: 'ok', pixels: new Uint8Array(res.pixels, at, width * height * channels), width, height });
        }
      }
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const res of responses) this.keep(this.freeOutputs, res.pixels);
    };
    return { results, crcs, release };
  }

  /** Stop the threads (tests, benchmarks); the pool starts new ones if used again. */
  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  /** Images `[start, end)` copied into a free input buffer, with a free pixel buffer. */
  private request(images: readonly Uint8Array[], start: number, end: number, encoding: FastEncoding, channels: number, crc: boolean): DecodeRequest {
    const ends = new Uint32Array(end - start);
    let total = 0;
    for (let i = start; i < end; i++) ends[i - start] = total += images[i]!.length;
    const i = this.freeInputs.findIndex((b) => b.byteLength >= total);
    const buffer = i >= 0 ? this.freeInputs.splice(i, 1)[0]! : new ArrayBuffer(Math.ceil(total * 1.25));
    const data = new Uint8Array(buffer, 0, total);
    for (let k = start, at = 0; k < end; k++) {
      data.set(images[k]!, at);
      at += images[k]!.length;
    }
    return { id: this.nextId++, encoding, channels, data, ends, crc, out: this.freeOutputs.pop() };
  }

  /** Keep a free buffer for a later batch, the largest ones up to {@link MAX_FREE_BYTES}. */
  private keep(list: ArrayBuffer[], buffer: ArrayBuffer): void {
    list.push(buffer);
    list.sort((a, b) => a.byteLength - b.byteLength);
    let bytes = 0;
    for (const b of list) bytes += b.byteLength;
    while (list.length > 1 && bytes > MAX_FREE_BYTES) bytes -= list.shift()!.byteLength;
  }

  /** The least busy live thread, or a new one while the pool is not full and every thread has work. */
  private thread(): DecodeThread {
    let best: DecodeThread | undefined;
    for (const t of this.threads) if (!best || t.pending.size < best.pending.size) best = t;
    if (best && (best.pending.size === 0 || this.threads.length >= this.size)) return best;
    const t = new DecodeThread((dead) => this.threads.splice(this.threads.indexOf(dead) >>> 0, 1));
    this.threads.push(t);
    return t;
  }
}

let sharedPool: DecodePool | undefined;
