import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { FromCheckWorker, ToCheckWorker } from './chunk-protocol.js';
import { SharedChunkWorker } from './shared-chunk-worker.js';

/**
 * Checks the records of shared buffers on the process's chunk worker
 * ({@link SharedChunkWorker}): the calling thread computes no CRC for them. For a cache that
 * holds records for a long time: its buffers are `SharedArrayBuffer`s ({@link sharedBuffer}).
 */
export class ChunkChecker {
  private readonly host = SharedChunkWorker.get();
  private readonly port: MessagePort;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(good: readonly number[]): void; reject(error: Error): void }>();
  private closing: (() => void) | undefined;
  private closed: Promise<void> | undefined;
  private dead: Error | undefined;
  /** Whether this session counts as needing the worker (checks pending, or closing). */
  private needing = false;
  private readonly onDeath = (error: Error): void => {
    this.dead = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.closing?.();
    this.closing = undefined;
    this.update();
  };

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.host.open({ kind: 'check', port: port2 }, this.onDeath);
    this.port = port1;
    this.port.on('message', (message: FromCheckWorker) => this.receive(message));
    this.port.unref();
  }

  /**
   * `[start, end)` pairs (in `target`) of the records of `target[at, at + length)` that check out,
   * framing and both CRCs, walking from `at` (where a record starts) until the bytes end or a
   * header does not check out. `target` is from {@link sharedBuffer}, and stays unchanged meanwhile.
   */
  check(target: Buffer, at: number, length: number): Promise<readonly number[]> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.closed) return Promise.reject(new Error('ChunkChecker: check after close'));
    if (!(target.buffer instanceof SharedArrayBuffer)) throw new TypeError('ChunkChecker: the target must be a sharedBuffer()');
    const id = this.nextId++;
    const done = new Promise<readonly number[]>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.update();
    this.send({ kind: 'check', id, buffer: target.buffer, at: target.byteOffset + at, length });
    return done;
  }

  /** End the session once the checks sent are done: after this the worker touches none of the buffers. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      if (!this.dead) {
        const closed = new Promise<void>((resolve) => (this.closing = resolve));
        this.update();
        this.send({ kind: 'close' });
        await closed;
      }
      this.port.close();
      this.host.closed(this.onDeath);
    })();
    return this.closed;
  }

  /** Tell the worker whether this session needs it now (it holds the process open while one does). */
  private update(): void {
    const needing = this.pending.size > 0 || this.closing !== undefined;
    if (needing !== this.needing) this.host.need((this.needing = needing));
  }

  private send(message: ToCheckWorker): void {
    this.port.postMessage(message);
  }

  private receive(message: FromCheckWorker): void {
    if (message.kind === 'closed') {
      this.closing?.();
      this.closing = undefined;
      this.update();
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    this.update();
    p.resolve(message.good);
  }
}

/** A buffer of `size` bytes in shared memory, for {@link ChunkChecker.check}. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}
