// Tests of the generic helpers added to src/core for the converters (ordered-map, progress, atomic-file).
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/core/atomic-file.js';
import { orderedMap } from '../../src/core/ordered-map.js';
import { createProgressBar, formatBytes, formatDuration } from '../../src/core/progress.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('orderedMap', () => {
  it('yields in input order whatever order the jobs finish in, never running more than `concurrency`', async () => {
    let running = 0;
    let peak = 0;
    const out: number[] = [];
    for await (const v of orderedMap(
      Array.from({ length: 20 }, (_, i) => i),
      async (i) => {
        running++;
        peak = Math.max(peak, running);
        await sleep((i * 7) % 5);
        running--;
        return i * 10;
      },
      { concurrency: 3 },
    )) {
      out.push(v);
    }
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
    expect(peak).toBe(3);
  });

  it('holds at most `window` results while the head is slow', async () => {
    let started = 0;
    let open = (): void => undefined;
    const gate = new Promise<void>((r) => (open = r));
    const gen = orderedMap(
      Array.from({ length: 100 }, (_, i) => i),
      async (i) => {
        started++;
        if (i === 0) await gate;
        return i;
      },
      { concurrency: 2, window: 5 },
    );
    const first = gen.next();
    await sleep(20);
    expect(started).toBe(5);
    open();
    expect((await first).value).toBe(0);
    await gen.return(undefined);
  });

  it('throws the first failure in order and starts nothing after it', async () => {
    const seen: number[] = [];
    const run = async () => {
      for await (const v of orderedMap(
        [0, 1, 2, 3, 4, 5, 6, 7],
        async (i) => {
          if (i === 2) throw new Error('boom at 2');
          return i;
        },
        { concurrency: 2, window: 2 },
      )) {
        seen.push(v);
      }
    };
    await expect(run()).rejects.toThrow('boom at 2');
    expect(seen).toEqual([0, 1]);
  });

  it('rejects a bad concurrency', async () => {
    await expect(orderedMap([1], async (x) => x, { concurrency: 0 }).next()).rejects.toThrow('concurrency must be a positive integer');
    await expect(orderedMap([1], async (x) => x, { concurrency: 0 }).next()).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE', param: 'concurrency' });
    await expect(orderedMap([1], async (x) => x, { concurrency: 2, window: 1 }).next()).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE', param: 'window' });
  });
});

describe('writeFileAtomic', () => {
  it('writes the whole file and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    await writeFileAtomic(join(dir, 'a.json'), '{"x":1}\n');
    await writeFileAtomic(join(dir, 'a.json'), '{"x":2}\n');
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('{"x":2}\n');
    expect(await readdir(dir)).toEqual(['a.json']);
  });
});

describe('progress', () => {
  it('prints plain lines with rate and ETA when the stream is not a terminal', () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let text = '';
    (stream as unknown as PassThrough).on('data', (d: Buffer) => (text += d.toString()));
    const bar = createProgressBar({ label: 'celeba', stream, intervalMs: 0 });
    bar.start(4);
    bar.tick();
    bar.tick(3);
    bar.stop();
    const lines = text.trim().split('\n');
    expect(lines[0]).toMatch(/^celeba: 1\/4 \(25%\), [\d.]+ img\/s, ETA (\d+s|--)$/);
    expect(lines.at(-1)).toMatch(/^celeba: 4\/4 \(100%\), [\d.]+ img\/s, ETA 0s$/);
  });

  it('formats durations and sizes', () => {
    expect([formatDuration(42), formatDuration(185), formatDuration(3720)]).toEqual(['42s', '3m05s', '1h02m']);
    expect([formatBytes(812), formatBytes(45_300), formatBytes(1_204_000_000)]).toEqual(['812 B', '45.3 kB', '1.20 GB']);
  });
});
