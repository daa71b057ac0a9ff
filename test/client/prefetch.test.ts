import { describe, expect, it } from 'vitest';
import { prefetch, type Pending, type PrefetchStats } from '../../src/client/prefetch.js';

/** A source of `n` items whose work starts when pulled; records how far it ran ahead. */
function source(n: number, options: { failAt?: number; rejectAt?: number } = {}) {
  const state = { pulled: 0, consumed: 0, maxAhead: 0, returned: false };
  async function* gen(): AsyncGenerator<Pending<number>> {
    try {
      for (let i = 0; i < n; i++) {
        if (i === options.failAt) throw new Error(`source failed at ${i}`);
        state.pulled++;
        state.maxAhead = Math.max(state.maxAhead, state.pulled - state.consumed);
        const batch = i === options.rejectAt ? new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`item ${i} failed`)), 1)) : new Promise<number>((r) => setTimeout(() => r(i), 1));
        yield { batch };
      }
    } finally {
      state.returned = true;
    }
  }
  return { it: gen(), state };
}

describe('prefetch', () => {
  it('hands out every item in order and reads at most depth ahead', async () => {
    const { it, state } = source(20);
    const out: number[] = [];
    for await (const v of prefetch(it, { depth: 3 })) {
      state.consumed++;
      out.push(v);
      await new Promise((r) => setTimeout(r, 2)); // a slow consumer: the queue fills up
    }
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // depth waiting + the one the consumer holds
    expect(state.maxAhead).toBeLessThanOrEqual(4);
    expect(state.maxAhead).toBeGreaterThanOrEqual(3);
  });

  it('delivers the items before a source error, then the error', async () => {
    const { it } = source(10, { failAt: 4 });
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const v of prefetch(it, { depth: 8 })) out.push(v);
      })(),
    ).rejects.toThrow('source failed at 4');
    expect(out).toEqual([0, 1, 2, 3]);
  });

  it('raises a failed item in its place, without unhandled rejections', async () => {
    const { it } = source(10, { rejectAt: 2 });
    const out: number[] = [];
    await expect(
      (async () => {
        for await (const v of prefetch(it, { depth: 8 })) out.push(v);
      })(),
    ).rejects.toThrow('item 2 failed');
    expect(out).toEqual([0, 1]);
  });

  it('counts the time the consumer waits, not the time it works', async () => {
    const slowSource = async function* (): AsyncGenerator<Pending<number>> {
      for (let i = 0; i < 5; i++) yield { batch: new Promise<number>((r) => setTimeout(() => r(i), 50)) };
    };
    // A consumer that does nothing spends all its time waiting.
    const waiting: PrefetchStats = { delivered: 0, waitMs: 0 };
    let t0 = performance.now();
    for await (const _ of prefetch(slowSource(), { depth: 1, stats: waiting })) void _;
    expect(waiting.delivered).toBe(5);
    expect(waiting.waitMs).toBeGreaterThan(0.6 * (performance.now() - t0));

    // A consumer that works longer than an item takes finds them ready (all but the first).
    const working: PrefetchStats = { delivered: 0, waitMs: 0 };
    t0 = performance.now();
    for await (const _ of prefetch(slowSource(), { depth: 5, stats: working })) await new Promise((r) => setTimeout(r, 100));
    expect(working.delivered).toBe(5);
    expect(working.waitMs).toBeLessThan(0.35 * (performance.now() - t0));
  });

  it('ends without an error once its signal is aborted, handing out nothing more', async () => {
    const { it, state } = source(1000);
    const controller = new AbortController();
    const out: number[] = [];
    for await (const v of prefetch(it, { depth: 4, signal: controller.signal })) {
      out.push(v);
      if (v === 2) controller.abort();
    }
    expect(out).toEqual([0, 1, 2]);
    expect(state.returned).toBe(true);
  });

  it('stops the source when the consumer breaks out', async () => {
    const { it, state } = source(1000);
    let stopped = 0;
    for await (const v of prefetch(it, { depth: 2, stop: () => stopped++ })) if (v === 5) break;
    expect(stopped).toBe(1);
    expect(state.returned).toBe(true);
    expect(state.pulled).toBeLessThan(12);
  });
});
