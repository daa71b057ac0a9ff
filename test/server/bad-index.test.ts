import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_FAULTS } from '../helpers/index-faults.js';
import { startServerProcess } from '../helpers/server-process.js';
import { startOrExit } from '../helpers/server-start.js';
import { writeShardSet } from '../helpers/shard-set.js';
import { fetchStream, synthIds } from './stream-helpers.js';

const SHARD = 'synth-train-00000-of-00001.tfrecord';
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'server-bad-index-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A folder with a good dataset `good` and dataset `synth` whose first index is broken by `fault`. */
async function dataFolder(i: number): Promise<{ data: string; indexPath: string; sizes: number[] }> {
  const data = join(root, `data${i}`);
  await mkdir(join(data, 'a-good'), { recursive: true });
  await mkdir(join(data, 'b-bad'));
  await writeShardSet({ dir: join(data, 'a-good'), dataset: 'good', encoding: 'raw', partitions: [{ name: 'train', records: 8, shards: 1 }] });
  const bad = await writeShardSet({ dir: join(data, 'b-bad'), encoding: 'raw', partitions: [{ name: 'train', records: 8, shards: 1 }] });
  const indexPath = bad.shardPath(`${SHARD}.index`);
  await writeFile(indexPath, INDEX_FAULTS[i]!.apply(await readFile(indexPath, 'utf8')));
  return { data, indexPath, sizes: Array.from({ length: 8 }, (_, id) => bad.locate(id).size) };
}

describe('shard-server and an index that disagrees with its shard', () => {
  it.each(INDEX_FAULTS.map((fault, i) => ({ ...fault, i })))('refuses to start, naming the index file and the line: $name', async ({ i, message }) => {
    const { data, indexPath, sizes } = await dataFolder(i);
    const run = await startOrExit(['--data', data]);
    expect(run.listened).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: ${indexPath}: ${message(sizes)}\n`);
  });

  it('with the same folder intact, starts and streams every record once over HTTP', async () => {
    const dir = join(root, 'intact');
    await mkdir(dir);
    await writeShardSet({ dir, encoding: 'raw', partitions: [{ name: 'train', records: 8, shards: 1 }] });
    const proc = await startServerProcess(['--data', dir, '--no-access-log']);
    try {
      const res = await fetchStream(proc.url, { batch_size: 4, seed: 3 });
      expect(res.status).toBe(200);
      expect((await synthIds(res.body)).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      expect(await proc.stop('SIGTERM')).toBe(0);
    }
  });
});
