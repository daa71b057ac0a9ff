import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batches, openBatchStream } from '../../src/client/index.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { collect } from './helpers/compare.js';
import { expectedBatches } from './helpers/expected.js';

let set: SyntheticShardSet;
let raw: SyntheticShardSet;
let scratch: string;

beforeAll(async () => {
  set = await writeShardSet(); // train 48 (3 shards) + val 16 (2 shards), 8×8×3 PNG
  raw = await writeShardSet({ encoding: 'raw', channels: 1, height: 6, width: 5, partitions: [{ name: 'train', records: 20, shards: 7 }] });
  scratch = await mkdtemp(join(tmpdir(), 'client-direct-'));
});

afterAll(async () => {
  await set?.cleanup();
  await raw?.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

describe('direct mode, local directory', () => {
  it('yields the batches of the shuffle definition, epoch after epoch', async () => {
    const got = await collect(batches({ source: set.dir, batchSize: 8, seed: 7, epochs: 2 }));
    expect(got).toHaveLength(16);
    expect(got).toEqual(expectedBatches(set, { batchSize: 8, seed: 7 }, [0, 1]));
  });

  it('numbers records over the partitions in the order asked for', async () => {
    const plan = { batchSize: 10, seed: 3, dropRemainder: false, partitions: ['val', 'train'] } as const;
    const got = await collect(batches({ source: set.dir, ...plan, startEpoch: 4 }));
    expect(got).toEqual(expectedBatches(set, plan, [4]));
    expect(got.at(-1)!.shape[0]).toBe(4); // 64 mod 10
  });

  it('splits each global batch over ranks: disjoint, same count, the union is the one-rank batch', async () => {
    const common = { source: set.dir, batchSize: 4, seed: 11, world: 3 };
    const ranks = await Promise.all([0, 1, 2].map((rank) => collect(batches({ ...common, rank }))));
    expect(ranks.map((r) => r.length)).toEqual([5, 5, 5]);
    const single = await collect(batches({ source: set.dir, batchSize: 12, seed: 11 }));
    for (let k = 0; k < 5; k++) expect(ranks.flatMap((r) => r[k]!.ids)).toEqual(single[k]!.ids);
    for (const [rank, r] of ranks.entries()) expect(r).toEqual(expectedBatches(set, { batchSize: 4, seed: 11, world: 3, rank }, [0]));
  });

  it('resumes at startBatch of startEpoch and runs to endEpoch', async () => {
    const got = await collect(batches({ source: set.dir, batchSize: 8, seed: 2, startEpoch: 5, startBatch: 3, endEpoch: 7 }));
    expect(got).toEqual(expectedBatches(set, { batchSize: 8, seed: 2 }, [5, 6], 3));
  });

  it('reads raw images, and a rank\'s empty last batch', async () => {
    // 20 records, 3 ranks of 3: 2 full global batches, then R = 2 split 0/1/1.
    const plan = { batchSize: 3, world: 3, rank: 0, dropRemainder: false, seed: 5 };
    const got = await collect(batches({ source: raw.dir, ...plan }));
    expect(got.map((b) => b.shape)).toEqual([[3, 6, 5, 1], [3, 6, 5, 1], [0, 6, 5, 1]]);
    expect(got).toEqual(expectedBatches(raw, plan, [0]));
  });

  it('tells the record count and batches per epoch before the first batch', async () => {
    const stream = await openBatchStream({ source: set.dir, batchSize: 8, partitions: ['train', 'val'] });
    expect({ mode: stream.mode, records: stream.records, batchesPerEpoch: stream.batchesPerEpoch, dataset: stream.manifest.dataset, partitions: stream.partitions }).toEqual({
      mode: 'direct',
      records: 64,
      batchesPerEpoch: 8,
      dataset: 'synth',
      partitions: ['train', 'val'],
    });
    expect(await collect(stream, 3)).toHaveLength(3);
    expect(stream.stats()).toMatchObject({ batches: 3 });
    expect(stream.stats().waitSeconds).toBeGreaterThan(0);
    await stream.close();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/: a BatchStream can be iterated only once$/);
    expect(() => stream[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE', where: stream.location }));
  });

  it('gives the same batches whatever the read-ahead', async () => {
    const a = await collect(batches({ source: set.dir, batchSize: 5, seed: 9, prefetch: 1 }));
    const b = await collect(batches({ source: set.dir, batchSize: 5, seed: 9, prefetch: 16 }));
    expect(a).toEqual(b);
  });

  it('close() during the iteration ends it after the batch in hand', async () => {
    const stream = await openBatchStream({ source: set.dir, batchSize: 4, epochs: Infinity });
    const got: number[] = [];
    for await (const b of stream) {
      got.push(b.batchIndex);
      if (got.length === 3) void stream.close();
    }
    expect(got).toEqual([0, 1, 2]);
  });

  it('streams without end until broken out of', async () => {
    expect(await collect(batches({ source: set.dir, batchSize: 4, epochs: Infinity }), 30)).toHaveLength(30);
  });
});

describe('direct mode, local directory: failures', () => {
  it('names a partition that does not exist', async () => {
    await expect(collect(batches({ source: set.dir, batchSize: 2, partitions: ['test'] }))).rejects.toThrow(/manifest\.json: dataset synth has no partition "test" \(it has train, val\)$/);
  });

  it('names a dataset other than the manifest\'s', async () => {
    await expect(collect(batches({ source: set.dir, batchSize: 2, dataset: 'celeba' }))).rejects.toThrow(/manifest\.json: holds dataset "synth", not "celeba"$/);
  });

  it('refuses a batch larger than the data', async () => {
    await expect(collect(batches({ source: set.dir, batchSize: 65 }))).rejects.toThrow(/^Expected at most 64 \(64 records of train,val in .* make no batch of 65 with dropRemainder\) for batchSize but received 65 of type number$/);
    await expect(collect(batches({ source: set.dir, batchSize: 17, world: 3, partitions: ['train'] }))).rejects.toThrow(/^Expected at most 16 \(48 records of train in .* over 3 ranks make no batch of 51 with dropRemainder\) for batchSize but received 17 of type number$/);
  });

  it('refuses a startBatch past the epoch', async () => {
    await expect(collect(batches({ source: set.dir, batchSize: 8, startBatch: 9 }))).rejects.toThrow('Expected an integer from 0 to 8 (batches per epoch) for startBatch but received 9 of type number');
  });

  it('reports a directory without a manifest', async () => {
    await expect(collect(batches({ source: join(scratch, 'nothing'), batchSize: 2 }))).rejects.toThrow(/nothing\/manifest\.json: cannot read the manifest: ENOENT/);
  });

  it('reports a corrupt record with its file and byte offset', async () => {
    const bad = await writeShardSet({ dir: await mkdtemp(join(scratch, 'corrupt-')), partitions: [{ name: 'train', records: 8, shards: 2 }] });
    await bad.corruptRecord(6);
    const { shard, offset } = bad.locate(6);
    await expect(collect(batches({ source: bad.dir, batchSize: 8 }))).rejects.toThrow(`${bad.shardPath(shard)} @ byte ${offset}: record 2: data CRC mismatch`);
  });

  it('notices a shard whose size differs from the manifest', async () => {
    const bad = await writeShardSet({ dir: await mkdtemp(join(scratch, 'grown-')), partitions: [{ name: 'train', records: 8, shards: 2 }] });
    const shard = bad.shardPath(bad.manifest.partitions[0]!.shards[1]!.name);
    await appendFile(shard, Buffer.alloc(3));
    const error = await collect(batches({ source: bad.dir, batchSize: 8 })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_MANIFEST_CHANGED', url: shard });
    expect((error as Error).message).toMatch(/^\/.*: is \d+ bytes but the manifest says \d+: the shard set changed$/);
  });
});
