import type { FromCheckWorker, ToCheckWorker } from './chunk-protocol.js';
import { WorkerSession } from './shared-chunk-worker.js';
import { InternalError, InvalidStateError } from '../core/errors.js';

/**
 * Checks the records of shared buffers on the process's chunk worker
 * (a {@link WorkerSession}): the calling thread computes no CRC for them. For a cache that
 * holds records for a long time: its buffers are `SharedArrayBuffer`s ({@link sharedBuffer}).
 */
export class ChunkChecker {
  private readonly session: WorkerSession<ToCheckWorker, FromCheckWorker>;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(good: readonly number[]): void; reject(error: Error): void }>();
  private closed = false;

  constructor() {
    this.session = new WorkerSession(
      (port) => ({ kind: 'check', port }),
      (message) => this.receive(message),
      (error) => {
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
        this.session.need(false);
      },
    );
  }

  /**
   * `[start, end)` pairs (in `target`) of the records of `target[at, at + length)` that check out,
   * framing and both CRCs, walking from `at` (where a record starts) until the bytes end or a
   * header does not check out. `target` is from {@link sharedBuffer}, and stays unchanged meanwhile.
   */
  check(target: Buffer, at: number, length: number): Promise<readonly number[]> {
    if (this.session.dead) return Promise.reject(this.session.dead);
    if (this.closed) return Promise.reject(new InvalidStateError('ChunkChecker', 'check after close'));
    if (!(target.buffer instanceof SharedArrayBuffer)) throw new InternalError('ChunkChecker: the target must be a sharedBuffer()');
    const id = this.nextId++;
    const done = new Promise<readonly number[]>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.session.need(true);
    this.session.send({ kind: 'check', id, buffer: target.buffer, at: target.byteOffset + at, length });
    return done;
  }

  /** End the session once the checks sent are done: after this the worker touches none of the buffers. */
  close(): Promise<void> {
    this.closed = true;
    return this.session.close();
  }

  private receive(message: FromCheckWorker): void {
    if (message.kind !== 'checked') return;
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    this.session.need(this.pending.size > 0);
    p.resolve(message.good);
  }
}

/** A buffer of `size` bytes in shared memory, for {@link ChunkChecker.check}. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}
