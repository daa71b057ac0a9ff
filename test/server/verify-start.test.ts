import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE } from '../../src/shards/manifest.js';
import { startOrExit } from '../helpers/server-start.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

let root: string;
let good: SyntheticShardSet;
let flipped: SyntheticShardSet;
let realSha: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'server-verify-'));
  await mkdir(join(root, 'a-good'));
  await mkdir(join(root, 'b-flipped'));
  good = await writeShardSet({ dir: join(root, 'a-good'), dataset: 'good', encoding: 'raw', partitions: [{ name: 'train', records: 8, shards: 2 }] });
  // A data bit flipped and the manifest's sha256 wrong: the cheap checks at start pass.
  flipped = await writeShardSet({ dir: join(root, 'b-flipped'), encoding: 'raw', partitions: [{ name: 'train', records: 8, shards: 2 }] });
  await flipped.corruptRecord(6);
  const manifest = JSON.parse(await readFile(flipped.shardPath(MANIFEST_FILE), 'utf8')) as { partitions: { shards: { sha256: string }[] }[] };
  realSha = manifest.partitions[0]!.shards[0]!.sha256;
  manifest.partitions[0]!.shards[0]!.sha256 = 'f'.repeat(64);
  await writeFile(flipped.shardPath(MANIFEST_FILE), JSON.stringify(manifest));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('shard-server --verify', () => {
  it('starts on a whole shard set, after a progress line', async () => {
    const run = await startOrExit(['--no-access-log', '--data', good.dir, '--verify']);
    expect(run.listened).toBe(true);
    expect(run.stdout).toContain(`dataset good: 8 records (train 8 in 2 shards) from ${good.dir}`);
    expect(run.stderr).toMatch(/^verify: \d+\/\d+ \(100%\)/);
  });

  it('refuses to start on a flipped bit and a wrong sha256, naming each problem', async () => {
    const run = await startOrExit(['--no-access-log', '--data', root, '--verify']);
    expect(run.listened).toBe(false);
    expect(run.code).toBe(1);
    const shard0 = flipped.shardPath('synth-train-00000-of-00002.tfrecord');
    const shard1 = flipped.shardPath('synth-train-00001-of-00002.tfrecord');
    const error = run.stderr.slice(run.stderr.indexOf('error: '));
    expect(error.split('\n')).toEqual([
      `error: ${flipped.dir}: verification failed, 3 problems:`,
      `  ${shard0}: sha256 is ${realSha} but the manifest says ${'f'.repeat(64)}`,
      `  ${shard1} @ byte ${flipped.locate(6).offset}: record 2: data CRC mismatch`,
      expect.stringMatching(new RegExp(`^  ${shard1}: sha256 is [0-9a-f]{64} but the manifest says ${flipped.manifest.partitions[0]!.shards[1]!.sha256}$`)),
      '',
    ]);
  });

  it('without --verify the same folder starts: only sizes and indexes are checked', async () => {
    const run = await startOrExit(['--no-access-log', '--data', root]);
    expect(run.listened).toBe(true);
  });
});
