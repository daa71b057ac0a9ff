import { readFile, truncate } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../../src/core/errors.js';
import { Catalog } from '../../../src/server/catalog.js';
import { RecordReader, type RecordReaderOptions } from '../../../src/server/cache/record-reader.js';
import { permutation } from '../../../src/shards/shuffle.js';
import { writeShardSet, type SyntheticShardSet } from '../../helpers/shard-set.js';

/** Counters that add up what they are told. */
function counters(): RecordReaderOptions['metrics'] & { readonly totals: { hits: number; misses: number; diskBytes: number } } {
  const totals = { hits: 0, misses: 0, diskBytes: 0 };
  return {
    totals,
    cacheHits: { inc: (_labels, by = 1) => void (totals.hits += by) },
    cacheMisses: { inc: (_labels, by = 1) => void (totals.misses += by) },
    diskReadBytes: { inc: (_labels, by = 1) => void (totals.diskBytes += by) },
  };
}

const PARTITIONS = ['train', 'val'];
// raw 8×8×3 records take about 290 bytes: with these sizes a shard has 2–3 segments of 2 blocks.
const SMALL = { blockBytes: 1024, segmentBytes: 2048 };

let set: SyntheticShardSet;
let catalog: Catalog | undefined;

async function open(options: { readonly corrupt?: number } = {}): Promise<{ catalog: Catalog; set: SyntheticShardSet }> {
  set = await writeShardSet({ encoding: 'raw' });
  if (options.corrupt !== undefined) await set.corruptRecord(options.corrupt);
  catalog = await Catalog.load(set.dir);
  return { catalog, set };
}

afterEach(async () => {
  await catalog?.close();
  catalog = undefined;
  await set?.cleanup();
});

/** The framed bytes of record `id` (manifest order) as in its shard file. */
async function framed(s: SyntheticShardSet, id: number): Promise<Buffer> {
  const loc = s.locate(id);
  return (await readFile(s.shardPath(loc.shard))).subarray(loc.offset, loc.offset + loc.size);
}

describe('RecordReader', () => {
  it('a dataset that fits in the cache: segments filled block by block, each block read once', async () => {
    const { catalog: cat, set: s } = await open();
    const ds = cat.get('synth')!;
    const table = await ds.table(PARTITIONS);
    const metrics = counters();
    const reader = new RecordReader({ cacheBytes: 1 << 20, metrics, ...SMALL });
    const perm = permutation(s.records, 1, 0);
    for (let k = 0; k < s.records; k += 10) {
      const ids = perm.subarray(k, k + 10);
      const records = await reader.read(ds, table, ids);
      for (let i = 0; i < ids.length; i++) expect(records[i]).toEqual(await framed(s, ids[i]!));
    }
    expect(metrics.totals.diskBytes).toBe(ds.bytes);
    expect(metrics.totals.hits + metrics.totals.misses).toBe(s.records);
    expect(metrics.totals.misses).toBeGreaterThan(0);
    expect([reader.cachedRecords, reader.cachedBytes]).toEqual([s.records, ds.bytes]);
    // a second epoch comes from the cache
    await reader.read(ds, table, permutation(s.records, 1, 1));
    expect(metrics.totals.diskBytes).toBe(ds.bytes);
    expect(metrics.totals.hits + metrics.totals.misses).toBe(2 * s.records);
  });

  it('reads for the same records at once share one read', async () => {
    const { catalog: cat, set: s } = await open();
    const ds = cat.get('synth')!;
    const table = await ds.table(PARTITIONS);
    for (const cacheBytes of [1 << 20, 2000]) {
      const metrics = counters();
      const reader = new RecordReader({ cacheBytes, metrics, ...SMALL });
      const ids = [3, 4, 5, 40];
      const [a, b] = await Promise.all([reader.read(ds, table, ids), reader.read(ds, table, ids)]);
      expect(a).toEqual(b);
      expect(metrics.totals.misses).toBe(4);
      expect(metrics.totals.hits).toBe(4);
      expect(a[3]).toEqual(await framed(s, 40));
    }
  });

  it('a dataset larger than the cache: one record per entry, the cache stays within its bytes', async () => {
    const { catalog: cat, set: s } = await open();
    const ds = cat.get('synth')!;
    const table = await ds.table(PARTITIONS);
    const metrics = counters();
    const reader = new RecordReader({ cacheBytes: 3000, metrics, ...SMALL });
    const perm = permutation(s.records, 2, 0);
    for (let k = 0; k < s.records; k += 8) {
      const ids = perm.subarray(k, k + 8);
      const records = await reader.read(ds, table, ids);
      for (let i = 0; i < ids.length; i++) expect(records[i]).toEqual(await framed(s, ids[i]!));
      expect(reader.cachedBytes).toBeLessThanOrEqual(3000);
    }
    expect(metrics.totals.misses).toBe(s.records);
    expect(reader.cachedRecords).toBe(Math.round(reader.cachedBytes / (await framed(s, 0)).length));
  });

  for (const [mode, cacheBytes] of [
    ['segments', 1 << 20],
    ['records', 2000],
  ] as const) {
    it(`a corrupt record fails only the reads that ask for it, every time; its neighbours are served (${mode})`, async () => {
      const { catalog: cat, set: s } = await open({ corrupt: 20 });
      const ds = cat.get('synth')!;
      const table = await ds.table(PARTITIONS);
      const reader = new RecordReader({ cacheBytes, metrics: counters(), ...SMALL });
      const loc = s.locate(20);
      for (let i = 0; i < 2; i++) {
        const error = await reader.read(ds, table, [19, 20, 21]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CorruptRecordError);
        expect((error as Error).message).toBe(`${loc.shard} @ byte ${loc.offset}: record 4: data CRC mismatch`);
      }
      expect(await reader.read(ds, table, [19, 21])).toEqual([await framed(s, 19), await framed(s, 21)]);
      // without the check, only the framing is looked at
      const unchecked = new RecordReader({ cacheBytes, metrics: counters(), verify: false, ...SMALL });
      expect(await unchecked.read(ds, table, [20])).toEqual([await framed(s, 20)]);
    });
  }

  it('a shard cut short after start: its lost records fail as truncated, the others are served', async () => {
    const { catalog: cat, set: s } = await open();
    const ds = cat.get('synth')!;
    const table = await ds.table(PARTITIONS);
    const last = s.locate(15); // the last record of the first shard
    await truncate(s.shardPath(last.shard), last.offset + 20);
    const reader = new RecordReader({ cacheBytes: 1 << 20, metrics: counters(), ...SMALL });
    const error = await reader.read(ds, table, [15]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as CorruptRecordError).kind).toBe('truncated-data');
    expect(await reader.read(ds, table, [14])).toEqual([await framed(s, 14)]);
  });

  it('preload reads and checks a whole dataset once; every read after it is a cache hit', async () => {
    const { catalog: cat, set: s } = await open({ corrupt: 20 });
    const ds = cat.get('synth')!;
    const table = await ds.table(PARTITIONS);
    const metrics = counters();
    const reader = new RecordReader({ cacheBytes: 1 << 20, metrics, ...SMALL });
    const loc = s.locate(20);
    const result = await reader.preload(ds);
    expect(result.records).toBe(s.records);
    expect(result.corrupt).toBe(1);
    expect(result.firstError?.message).toBe(`${loc.shard} @ byte ${loc.offset}: record 4: data CRC mismatch`);
    expect(result.bytes).toBe(ds.bytes - loc.size);
    expect(metrics.totals.diskBytes).toBe(ds.bytes);
    expect([reader.cachedRecords, reader.cachedBytes]).toEqual([s.records, ds.bytes]);
    const good = Array.from({ length: s.records }, (_, id) => id).filter((id) => id !== 20);
    const records = await reader.read(ds, table, good);
    for (let i = 0; i < good.length; i += 7) expect(records[i]).toEqual(await framed(s, good[i]!));
    expect([metrics.totals.hits, metrics.totals.misses, metrics.totals.diskBytes]).toEqual([good.length, 0, ds.bytes]);
    await expect(reader.read(ds, table, [20])).rejects.toThrow(result.firstError!.message);
  });

  it('preload stops when told to, and refuses a dataset larger than the cache', async () => {
    const { catalog: cat, set: s } = await open();
    const ds = cat.get('synth')!;
    const reader = new RecordReader({ cacheBytes: 1 << 20, metrics: counters(), ...SMALL });
    const part = await reader.preload(ds, () => reader.cachedRecords > 0);
    expect(part.records).toBeGreaterThan(0);
    expect(part.records).toBeLessThan(s.records);
    const small = new RecordReader({ cacheBytes: 2000, metrics: counters(), ...SMALL });
    expect(small.fits(ds)).toBe(false);
    await expect(small.preload(ds)).rejects.toThrow(`synth: ${ds.bytes} bytes do not fit in a record cache of 2000`);
    await expect(small.preload(ds)).rejects.toMatchObject({ code: 'ERR_INVALID_STATE', where: 'synth' });
  });

  it('the chunk worker checks each block read: a record it vouched for is not checked again, and without it every record is checked here', async () => {
    const { catalog: cat, set: s } = await open();
    const ds = cat.get('synth')!;
    const table = await ds.table(PARTITIONS);
    for (const offThread of [true, false]) {
      const reader = new RecordReader({ cacheBytes: 1 << 20, metrics: counters(), offThread, ...SMALL });
      // two neighbours in one block of one shard
      const a = Array.from({ length: s.records - 1 }, (_, id) => id).find((id) => {
        const [x, y] = [s.locate(id), s.locate(id + 1)];
        return x.shard === y.shard && Math.floor(x.offset / SMALL.blockBytes) === Math.floor((y.offset + y.size - 1) / SMALL.blockBytes);
      })!;
      const [first] = await reader.read(ds, table, [a]);
      await reader.close(); // answers for the checks sent come first
      // flip a data byte of the next record in the cached block (the segment's memory, shared with the worker when off the thread)
      const next = s.locate(a + 1);
      const view = Buffer.from(first!.buffer, first!.byteOffset + first!.length + 12, next.size - 16);
      expect(view.equals((await framed(s, a + 1)).subarray(12, next.size - 4))).toBe(true);
      view[0]! ^= 1;
      const served = await reader.read(ds, table, [a + 1]).then(
        (r) => r[0]!,
        (e: unknown) => e,
      );
      if (offThread) expect(Buffer.isBuffer(served) && served.subarray(12, next.size - 4).equals(view)).toBe(true);
      else expect((served as Error).message).toMatch(/record \d+: data CRC mismatch$/);
    }
  });
});
