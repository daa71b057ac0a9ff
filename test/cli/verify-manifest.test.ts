import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE } from '../../src/shards/manifest.js';
import { INDEX_FAULTS } from '../helpers/index-faults.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { runBin } from '../helpers/run-bin.js';

// 16 raw records in 2 shards of 8: records 0-7 in shard 0.
const SHARD = 'synth-train-00000-of-00002.tfrecord';
const sets: SyntheticShardSet[] = [];

async function newSet(): Promise<SyntheticShardSet> {
  const set = await writeShardSet({ encoding: 'raw', partitions: [{ name: 'train', records: 16, shards: 2 }] });
  sets.push(set);
  return set;
}

afterAll(async () => {
  await Promise.all(sets.map((s) => s.cleanup()));
});

/** `tfrecord verify --manifest DIR -q`: the problem lines (stderr) and the summary (stdout). */
async function verifySet(set: SyntheticShardSet): Promise<{ code: number | null; problems: string[]; summary: string }> {
  const r = await runBin('tfrecord', ['verify', '--manifest', set.dir, '-q']);
  return { code: r.code, problems: r.stderr.split('\n').filter((l) => l !== ''), summary: r.stdout };
}

const bytesOf = (set: SyntheticShardSet): number => set.manifest.partitions[0]!.shards.reduce((n, s) => n + s.bytes, 0);
const sizes = (set: SyntheticShardSet): number[] => Array.from({ length: 8 }, (_, id) => set.locate(id).size);

describe('tfrecord verify --manifest', () => {
  it('passes a whole shard set: one summary line, exit 0, a progress line unless -q', async () => {
    const set = await newSet();
    const r = await runBin('tfrecord', ['verify', '--manifest', set.dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${set.dir}: 2 shards, 16 good records, ${bytesOf(set)} bytes: ok\n`);
    expect(r.stderr).toMatch(new RegExp(`^verify ${set.dir}: ${bytesOf(set)}/${bytesOf(set)} \\(100%\\)`));
    expect(await verifySet(set)).toEqual({ code: 0, problems: [], summary: r.stdout });
  });

  it('finds a wrong sha256 (the shard is otherwise whole)', async () => {
    const set = await newSet();
    const manifest = JSON.parse(await readFile(set.shardPath(MANIFEST_FILE), 'utf8')) as { partitions: { shards: { sha256: string }[] }[] };
    const real = manifest.partitions[0]!.shards[1]!.sha256;
    manifest.partitions[0]!.shards[1]!.sha256 = '0'.repeat(64);
    await writeFile(set.shardPath(MANIFEST_FILE), JSON.stringify(manifest));
    expect(await verifySet(set)).toEqual({
      code: 1,
      problems: [`${set.shardPath('synth-train-00001-of-00002.tfrecord')}: sha256 is ${real} but the manifest says ${'0'.repeat(64)}`],
      summary: `${set.dir}: 2 shards, 16 good records, ${bytesOf(set)} bytes: 1 problem\n`,
    });
  });

  it('finds a bit flip in a record: its CRC, and the sha256', async () => {
    const set = await newSet();
    await set.corruptRecord(3);
    const { code, problems } = await verifySet(set);
    expect(code).toBe(1);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe(`${set.shardPath(SHARD)} @ byte ${set.locate(3).offset}: record 3: data CRC mismatch`);
    expect(problems[1]).toMatch(new RegExp(`^${set.shardPath(SHARD)}: sha256 is [0-9a-f]{64} but the manifest says ${set.manifest.partitions[0]!.shards[0]!.sha256}$`));
  });

  it('finds a missing shard and a missing index', async () => {
    const set = await newSet();
    await rm(set.shardPath(SHARD));
    await rm(set.shardPath('synth-train-00001-of-00002.tfrecord.index'));
    const { code, problems, summary } = await verifySet(set);
    expect(code).toBe(1);
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${set.shardPath(SHARD)}: missing: ENOENT`)),
      expect.stringMatching(new RegExp(`^${set.shardPath('synth-train-00001-of-00002.tfrecord.index')}: cannot read the index: ENOENT`)),
    ]);
    expect(summary).toBe(`${set.dir}: 2 shards, 8 good records, ${bytesOf(set)} bytes: 2 problems\n`);
  });

  it('finds a shard truncated at a record boundary: size, index, sha256, record count', async () => {
    const set = await newSet();
    const cut = set.locate(7).offset;
    await truncate(set.shardPath(SHARD), cut);
    const { code, problems } = await verifySet(set);
    expect(code).toBe(1);
    expect(problems).toEqual([
      `${set.shardPath(SHARD)}: has ${cut} bytes but the manifest says ${set.manifest.partitions[0]!.shards[0]!.bytes}`,
      `${set.shardPath(`${SHARD}.index`)}: line 8: record 7 ends at byte ${cut + set.locate(7).size}, past the end of the ${cut}-byte shard`,
      expect.stringMatching(new RegExp(`^${set.shardPath(SHARD)}: sha256 is [0-9a-f]{64} but the manifest says`)),
      `${set.shardPath(SHARD)}: holds 7 records but the manifest says 8`,
    ]);
  });

  it.each(INDEX_FAULTS)('finds an index with $name, naming the line', async ({ apply, message }) => {
    const set = await newSet();
    const indexPath = set.shardPath(`${SHARD}.index`);
    await writeFile(indexPath, apply(await readFile(indexPath, 'utf8')));
    const { code, problems } = await verifySet(set);
    expect(code).toBe(1);
    expect(problems).toEqual([`${indexPath}: ${message(sizes(set))}`]);
  });

  it('finds an index that lies end to end but splits records wrongly, by comparing each line with the shard', async () => {
    const set = await newSet();
    const indexPath = set.shardPath(`${SHARD}.index`);
    const lines = (await readFile(indexPath, 'utf8')).split('\n');
    const [o2, s2] = lines[2]!.split(' ').map(Number) as [number, number];
    const [o3, s3] = lines[3]!.split(' ').map(Number) as [number, number];
    lines[2] = `${o2} ${s2 + 4}`;
    lines[3] = `${o3 + 4} ${s3 - 4}`;
    await writeFile(indexPath, lines.join('\n'));
    const { code, problems } = await verifySet(set);
    expect(code).toBe(1);
    expect(problems).toEqual([`${indexPath}: line 3: lists record 2 at byte ${o2} with ${s2 + 4} bytes, but the shard holds it at byte ${o2} with ${s2} bytes`]);
  });

  it('finds an index whose record count differs from the manifest', async () => {
    const set = await newSet();
    const manifest = JSON.parse(await readFile(set.shardPath(MANIFEST_FILE), 'utf8')) as { partitions: { records: number; shards: { records: number }[] }[] };
    manifest.partitions[0]!.shards[0]!.records = 9;
    manifest.partitions[0]!.records = 17;
    await writeFile(set.shardPath(MANIFEST_FILE), JSON.stringify(manifest));
    const { code, problems } = await verifySet(set);
    expect(code).toBe(1);
    expect(problems).toEqual([`${set.shardPath(`${SHARD}.index`)}: holds 8 records but the manifest says 9`, `${set.shardPath(SHARD)}: holds 8 records but the manifest says 9`]);
  });

  it('says what to give when there is neither a file nor --manifest (usage error, exit 2)', async () => {
    const r = await runBin('tfrecord', ['verify']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: give TFRecord files to verify, or --manifest <dir>');
  });
});

describe('tfrecord verify --expect-records', () => {
  it('fails on a file cut at a record boundary, which plain verify passes', async () => {
    const set = await newSet();
    const whole = set.shardPath(SHARD);
    const cut = `${whole}.cut`;
    await writeFile(cut, (await readFile(whole)).subarray(0, set.locate(5).offset));
    const plain = await runBin('tfrecord', ['verify', cut]);
    expect(plain.code).toBe(0);
    const r = await runBin('tfrecord', ['verify', '--expect-records', '8', cut]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${cut}: expected 8 records, found 5\n`);
    expect(r.stdout).toContain('1 files, 5 good records, 0 corrupt records');
    const ok = await runBin('tfrecord', ['verify', '--expect-records', '8', whole]);
    expect(ok.code).toBe(0);
    const two = await runBin('tfrecord', ['verify', '--expect-records', '16', whole, cut]);
    expect(two.stderr).toBe('2 files: expected 16 records, found 13\n');
    expect(two.code).toBe(1);
  });

  it('needs files to count (usage error, exit 2)', async () => {
    const set = await newSet();
    const r = await runBin('tfrecord', ['verify', '--manifest', set.dir, '--expect-records', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --expect-records counts the records of the files given; none given');
  });
});
