import { InvalidParameterError } from './errors.js';

/** The error an aborted wait or job rejects with. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError');
}

/**
 * A FIFO semaphore: at most `max` jobs run at once, the rest wait in arrival order, so jobs of
 * many streams interleave fairly. A waiting job whose signal has aborted is dropped (rejected)
 * when its turn comes, without running: no listener per waiting job, however many there are.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: { resolve: () => void; reject: (e: Error) => void; signal: AbortSignal | undefined }[] = [];
  private head = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new InvalidParameterError('max', 'a positive integer', max);
  }

  /** Jobs running now. */
  get running(): number {
    return this.active;
  }

  /** Jobs waiting for a slot (some may be aborted and about to be dropped). */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Run `job` when a slot is free; rejects without running it if `signal` aborts first. */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject, signal }));
  }

  private release(): void {
    for (;;) {
      const next = this.waiting[this.head];
      if (!next) {
        this.active--;
        break;
      }
      this.waiting[this.head++] = undefined as never;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      if (next.signal?.aborted) {
        next.reject(abortError(next.signal));
        continue;
      }
      next.resolve();
      break;
    }
  }
}
