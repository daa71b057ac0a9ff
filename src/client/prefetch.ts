/**
 * A value still being computed. Boxed because an async generator awaits a bare promise it
 * yields, and the point is to let the work run while the generator goes on.
 */
export interface Pending<T> {
  readonly batch: Promise<T>;
}

/** How long the consumer waited: the data-wait share of a training step. */
export interface PrefetchStats {
  /** Items handed out. */
  delivered: number;
  /** Milliseconds the consumer spent in `next()` waiting for an item. */
  waitMs: number;
}

/** Options of {@link prefetch}. */
export interface PrefetchOptions {
  /** Items pulled ahead of the consumer. */
  readonly depth: number;
  /** Called once when the iteration ends early (break, throw, return), to abort what is in flight. */
  readonly stop?: () => void;
  /** Once aborted, nothing more is pulled or handed out and the iteration ends. */
  readonly signal?: AbortSignal;
  /** Updated as items are handed out. */
  readonly stats?: PrefetchStats;
}

/**
 * Read ahead: pull up to `depth` pending items from `source` while the consumer works on the
 * current one, and hand them out in order. An error of the source reaches the consumer after the
 * items before it. When the iteration ends, `stop` is called, the producer is awaited and
 * `source` is closed.
 */
export async function* prefetch<T>(source: AsyncIterator<Pending<T>>, options: PrefetchOptions): AsyncGenerator<T> {
  const { depth, signal, stats } = options;
  const queue: Promise<T>[] = [];
  let finished = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const signalConsumer = (): void => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  const signalProducer = (): void => {
    wakeProducer?.();
    wakeProducer = undefined;
  };
  const halted = (): boolean => stopped || signal?.aborted === true;
  const onAbort = (): void => {
    signalProducer();
    signalConsumer();
  };
  signal?.addEventListener('abort', onAbort);

  const producer = (async () => {
    try {
      for (;;) {
        while (queue.length >= depth && !halted()) await new Promise<void>((r) => (wakeProducer = r));
        if (halted()) return;
        const next = await source.next();
        if (next.done) return;
        // Held for the consumer; until it awaits, a rejection must not count as unhandled.
        next.value.batch.catch(() => undefined);
        if (halted()) return;
        queue.push(next.value.batch);
        signalConsumer();
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      signalConsumer();
    }
  })();

  try {
    // Resumed by the consumer's next(): from here to the yield is time it waits.
    let asked = performance.now();
    for (;;) {
      if (signal?.aborted) return;
      const head = queue.shift();
      if (head) {
        signalProducer();
        const value = await head;
        if (stats) {
          stats.delivered++;
          stats.waitMs += performance.now() - asked;
        }
        yield value;
        asked = performance.now();
      } else if (finished) {
        if (failure) throw failure.error;
        return;
      } else {
        await new Promise<void>((r) => (wakeConsumer = r));
      }
    }
  } finally {
    stopped = true;
    signal?.removeEventListener('abort', onAbort);
    options.stop?.();
    signalProducer();
    await producer;
    await source.return?.(undefined);
  }
}
