import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planShards, samplePositions } from '../../src/datasets/shard-plan.js';
import { buildShardSet, type BuildShardSetOptions, type PartitionInputs } from '../../src/datasets/shard-set-builder.js';
import { FORMAT_VERSION, parseManifest } from '../../src/shards/manifest.js';
import { readAllRecords } from '../../src/tfrecord/reader.js';
import { readIndexFile } from '../../src/tfrecord/record-index.js';
import { folderBytes, tempDir } from './helpers.js';

/** Inputs whose records are their own text; multiples of 7 are skipped; `failAt` throws. */
function inputs(name: string, count: number, options: { failAt?: number; calls?: number[] } = {}): PartitionInputs {
  return {
    name,
    count,
    inputName: (i) => `${name}#${i}`,
    async convert(i) {
      options.calls?.push(i);
      await new Promise((r) => setTimeout(r, (i * 13) % 3));
      if (i === options.failAt) throw new Error(`failure at ${i}`);
      if (i % 7 === 0) return { skip: `multiple of seven: ${i}` };
      return { record: Buffer.from(`${name}-${i}-`.repeat(1 + (i % 4))) };
    },
  };
}

function options(dir: string, partitions: PartitionInputs[], extra: Partial<BuildShardSetOptions> = {}): BuildShardSetOptions {
  return {
    dir,
    dataset: 'toy',
    partitions,
    shards: 3,
    workers: 2,
    fingerprint: 'fp-1',
    manifest: (written, skipped) => ({
      dataset: 'toy',
      format_version: FORMAT_VERSION,
      partitions: written,
      features: {},
      image: { feature: 'image/encoded', height: 1, width: 1, channels: 1, encoding: 'raw' },
      options: {},
      skipped,
      created_by: 'test',
    }),
    ...extra,
  };
}

describe('planShards', () => {
  it('splits inputs into contiguous near-equal ranges', () => {
    expect(planShards(10, 3)).toEqual([
      { index: 0, start: 0, end: 3 },
      { index: 1, start: 3, end: 6 },
      { index: 2, start: 6, end: 10 },
    ]);
  });
  it('plans no more shards than inputs, and none for no inputs', () => {
    expect(planShards(2, 5)).toHaveLength(2);
    expect(planShards(0, 5)).toEqual([]);
  });
  it('samples evenly', () => {
    expect(samplePositions(100, 4)).toEqual([12, 37, 62, 87]);
    expect(samplePositions(2, 4)).toEqual([0, 1]);
  });
});

describe('buildShardSet', () => {
  it('writes records in input order, records skips, and a manifest that parses', async () => {
    const dir = await tempDir();
    const report = await buildShardSet(options(dir, [inputs('a', 20), inputs('b', 5)]));
    const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')), 'manifest.json');
    expect(manifest.partitions.map((p) => [p.name, p.records, p.shards.length])).toEqual([
      ['a', 17, 3],
      ['b', 4, 3],
    ]);
    expect(manifest.skipped).toEqual([
      { input: 'a#0', partition: 'a', reason: 'multiple of seven: 0' },
      { input: 'a#7', partition: 'a', reason: 'multiple of seven: 7' },
      { input: 'a#14', partition: 'a', reason: 'multiple of seven: 14' },
      { input: 'b#0', partition: 'b', reason: 'multiple of seven: 0' },
    ]);
    const texts: string[] = [];
    for (const s of manifest.partitions[0]!.shards) {
      const records = await readAllRecords(join(dir, s.name));
      const index = await readIndexFile(join(dir, `${s.name}.index`), s.bytes);
      expect(index.offsets.length).toBe(records.length);
      texts.push(...records.map((r) => r.toString().split('-')[1]!));
    }
    expect(texts.map(Number)).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 7 !== 0));
    expect(report.partitions.map((p) => p.reused)).toEqual([0, 0]);
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('gives the same bytes whatever the number of workers', async () => {
    const one = await tempDir();
    const four = await tempDir();
    await buildShardSet(options(one, [inputs('a', 30)], { workers: 1 }));
    await buildShardSet(options(four, [inputs('a', 30)], { workers: 4 }));
    expect(await folderBytes(four)).toEqual(await folderBytes(one));
  });

  it('resumes after a failure without redoing completed shards, with identical bytes', async () => {
    const clean = await tempDir();
    await buildShardSet(options(clean, [inputs('a', 30)]));
    const dir = await tempDir();
    await expect(buildShardSet(options(dir, [inputs('a', 30, { failAt: 25 })]))).rejects.toThrow('failure at 25');
    expect((await readdir(dir)).sort()).toEqual(
      ['.toy-a-00000-of-00003.tfrecord.done.json', '.toy-a-00001-of-00003.tfrecord.done.json', 'toy-a-00000-of-00003.tfrecord', 'toy-a-00000-of-00003.tfrecord.index', 'toy-a-00001-of-00003.tfrecord', 'toy-a-00001-of-00003.tfrecord.index'],
    );
    const calls: number[] = [];
    const report = await buildShardSet(options(dir, [inputs('a', 30, { calls })]));
    expect(report.partitions[0]!.reused).toBe(2);
    expect(Math.min(...calls)).toBe(20);
    expect(await folderBytes(dir)).toEqual(await folderBytes(clean));
  });

  it('redoes completed shards of a run with another fingerprint', async () => {
    const dir = await tempDir();
    await expect(buildShardSet(options(dir, [inputs('a', 30, { failAt: 25 })]))).rejects.toThrow();
    const calls: number[] = [];
    const report = await buildShardSet(options(dir, [inputs('a', 30, { calls })], { fingerprint: 'fp-2' }));
    expect(report.partitions[0]!.reused).toBe(0);
    expect(calls).toContain(0);
  });

  it('removes shards of an earlier plan', async () => {
    const dir = await tempDir();
    await buildShardSet(options(dir, [inputs('a', 30)], { shards: 5 }));
    await writeFile(join(dir, 'unrelated.txt'), 'keep me');
    await buildShardSet(options(dir, [inputs('a', 30)], { shards: 2 }));
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'toy-a-00000-of-00002.tfrecord', 'toy-a-00000-of-00002.tfrecord.index', 'toy-a-00001-of-00002.tfrecord', 'toy-a-00001-of-00002.tfrecord.index', 'unrelated.txt']);
  });

  it('plans the shard count from a sample of record sizes', async () => {
    const dir = await tempDir();
    // records of ~10–40 bytes + 16 framing: 60 records ≈ 2.4 kB → 3 shards of at most 1 kB
    const { shards: _, ...bySize } = options(dir, [inputs('a', 60)], { shardBytes: 1000 });
    const report = await buildShardSet(bySize);
    expect(report.partitions[0]!.shards.length).toBeGreaterThanOrEqual(2);
    expect(report.partitions[0]!.shards.length).toBeLessThanOrEqual(4);
  });

  it('fails, writing nothing, when every input is skipped', async () => {
    const dir = await tempDir();
    await expect(buildShardSet(options(dir, [inputs('a', 1)]))).rejects.toMatchObject({ code: 'ERR_NOTHING_WRITTEN', skipped: [{ input: 'a#0', partition: 'a', reason: 'multiple of seven: 0' }] });
    expect(await readdir(dir)).toEqual([]);
  });
});
