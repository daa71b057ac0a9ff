import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compiledModuleUrl } from '../core/worker-module.js';
import type { DecodeRequest, DecodeResponse, DecodeResult } from './decode-protocol.js';
import type { FastEncoding } from './fast-decode.js';
import { InvalidParameterError, WorkerExitedError } from '../core/errors.js';

/** Images per message at least: fewer would cost more in hand-offs than they gain in parallelism. */
const MIN_SLICE = 8;

interface Pending {
  readonly resolve: (results: readonly DecodeResult[]) => void;
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
      p?.resolve(res.results);
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

  send(req: DecodeRequest): Promise<readonly DecodeResult[]> {
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(req.id, { resolve, reject });
      this.worker.postMessage(req, [req.data.buffer as ArrayBuffer]);
    });
  }
}

/**
 * Worker threads (one per core by default) that decode small JPEG and PNG images with the
 * WASM codecs of fast-decode.ts. A batch is split into one slice per thread; each slice travels
 * as one transferred buffer and its pixels come back transferred, so nothing is copied twice.
 * Threads start on first need (50–100 ms each) and never hold the process open while idle; a
 * thread that dies fails its batches and is replaced on the next one.
 */
export class DecodePool {
  private readonly threads: DecodeThread[] = [];
  private nextId = 0;

  /** @param size threads at most. @default os.availableParallelism() */
  constructor(readonly size = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new InvalidParameterError('size', 'a positive integer', size);
  }

  /** The process's pool, started on first use (process-wide like libuv's thread pool). */
  static shared(): DecodePool {
    return (sharedPool ??= new DecodePool());
  }

  /** Decode `images` (all of one encoding) to uint8 HWC with `channels`; results in order. */
  async decode(images: readonly Uint8Array[], encoding: FastEncoding, channels: number): Promise<DecodeResult[]> {
    if (images.length === 0) return [];
    const slices = Math.max(1, Math.min(this.size, Math.floor(images.length / MIN_SLICE)));
    const per = Math.ceil(images.length / slices);
    const parts: Promise<readonly DecodeResult[]>[] = [];
    for (let s = 0; s < images.length; s += per) parts.push(this.thread().send(this.request(images.slice(s, s + per), encoding, channels)));
    return (await Promise.all(parts)).flat();
  }

  /** Stop the threads (tests, benchmarks); the pool starts new ones if used again. */
  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private request(images: readonly Uint8Array[], encoding: FastEncoding, channels: number): DecodeRequest {
    const ends = new Uint32Array(images.length);
    let total = 0;
    images.forEach((img, i) => (ends[i] = total += img.length));
    const data = new Uint8Array(total);
    images.forEach((img, i) => data.set(img, i === 0 ? 0 : ends[i - 1]));
    return { id: this.nextId++, encoding, channels, data, ends };
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
