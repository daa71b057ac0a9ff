import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifestFile } from '../../src/shards/manifest.js';
import { decodeRecordImage } from '../../src/shards/record-image.js';
import { decodeExample, getInt } from '../../src/tfrecord/example/index.js';
import { readAllRecords } from '../../src/tfrecord/reader.js';
import { readIndexFile } from '../../src/tfrecord/record-index.js';
import { meanAbsDiff, syntheticPixels, writeShardSet, type SyntheticShardSet } from './shard-set.js';

const made: SyntheticShardSet[] = [];
afterAll(async () => {
  for (const s of made) await s.cleanup();
});

describe('test helper writeShardSet', () => {
  for (const encoding of ['png', 'jpeg', 'raw'] as const) {
    it(`writes a valid shard set whose records decode to the documented pixels (${encoding})`, async () => {
      const set = await writeShardSet({ encoding });
      made.push(set);
      const manifest = await readManifestFile(set.dir);
      expect(manifest).toEqual(set.manifest);
      expect(manifest.partitions.map((p) => [p.name, p.records, p.shards.length])).toEqual([
        ['train', 48, 3],
        ['val', 16, 2],
      ]);
      let id = 0;
      for (const part of manifest.partitions) {
        for (const shard of part.shards) {
          const records = await readAllRecords(set.shardPath(shard.name));
          const index = await readIndexFile(set.shardPath(`${shard.name}.index`), shard.bytes);
          expect(records.length).toBe(shard.records);
          expect(index.offsets.length).toBe(shard.records);
          expect((await readFile(set.shardPath(shard.name))).length).toBe(shard.bytes);
          for (const r of records) {
            expect(getInt(decodeExample(r), 'synth/id')).toBe(id);
            expect(set.locate(id).shard).toBe(shard.name);
            const img = await decodeRecordImage(r, manifest.image);
            if (set.exact) expect(Buffer.from(img.pixels).equals(Buffer.from(set.pixels(id)))).toBe(true);
            else expect(meanAbsDiff(img.pixels, set.pixels(id))).toBeLessThan(4);
            id++;
          }
        }
      }
      expect(id).toBe(set.records);
    });
  }

  it('maps stream ids under another partition order to manifest-order ids', async () => {
    const set = await writeShardSet({ encoding: 'raw', partitions: [{ name: 'a', records: 3, shards: 1 }, { name: 'b', records: 2, shards: 1 }] });
    made.push(set);
    expect(set.idsOf(['b', 'a'])).toEqual([3, 4, 0, 1, 2]);
    expect(set.manifestId(['b', 'a'], 2)).toBe(0);
  });

  it('spells the id in the first pixel (png, raw) so that records differ', () => {
    expect([...syntheticPixels(0x030201, 2, 2, 3).subarray(0, 3)]).toEqual([1, 2, 3]);
  });

  it('is fast for big raw sets', async () => {
    const t = performance.now();
    const set = await writeShardSet({ encoding: 'raw', height: 64, width: 64, partitions: [{ name: 'train', records: 3000, shards: 3 }] });
    made.push(set);
    expect(performance.now() - t).toBeLessThan(20_000); // typically well under a second
  });
});
