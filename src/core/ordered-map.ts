import { OutOfRangeError } from './errors.js';

/** Options of {@link orderedMap}. */
export interface OrderedMapOptions {
  /** Jobs running at once. */
  readonly concurrency: number;
  /** Results held at once, running or finished but not yet taken (bounds memory). @default 2 × concurrency */
  readonly window?: number;
}

type Outcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/**
 * Map `items` through the async `fn` with up to `concurrency` jobs at once, yielding the
 * results strictly in input order. At most `window` results exist at any time, so memory
 * does not grow with the number of items. The first failure is thrown in order; stopping
 * early (break, throw) starts no new job and waits for the running ones to settle.
 */
export async function* orderedMap<T, R>(items: Iterable<T>, fn: (item: T, index: number) => Promise<R>, options: OrderedMapOptions): AsyncGenerator<R> {
  const { concurrency } = options;
  const window = options.window ?? concurrency * 2;
  if (!(Number.isInteger(concurrency) && concurrency > 0)) throw new OutOfRangeError('concurrency', `orderedMap: concurrency must be a positive integer, got ${concurrency}`);
  if (!(Number.isInteger(window) && window >= concurrency)) throw new OutOfRangeError('window', `orderedMap: window must be an integer >= concurrency, got ${window}`);
  const iterator = items[Symbol.iterator]();
  const queue: Promise<Outcome<R>>[] = [];
  let active = 0;
  let index = 0;
  let exhausted = false;
  let stopped = false;

  const pump = (): void => {
    while (!stopped && !exhausted && active < concurrency && queue.length < window) {
      const next = iterator.next();
      if (next.done) {
        exhausted = true;
        return;
      }
      active++;
      const i = index++;
      const job = Promise.resolve()
        .then(() => fn(next.value, i))
        .then(
          (value): Outcome<R> => ({ ok: true, value }),
          (error: unknown): Outcome<R> => ({ ok: false, error }),
        )
        .finally(() => {
          active--;
          pump();
        });
      queue.push(job);
    }
  };

  try {
    pump();
    while (queue.length > 0) {
      const outcome = await queue[0]!;
      queue.shift();
      if (!outcome.ok) throw outcome.error;
      pump();
      yield outcome.value;
    }
  } finally {
    stopped = true;
    await Promise.all(queue);
  }
}
