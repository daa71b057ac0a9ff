import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBatchStream } from '../../src/client/index.js';
import { INDEX_FAULTS } from '../helpers/index-faults.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

// One shard set per fault, each with the index of its first shard broken that way.
const SHARD = 'synth-train-00000-of-00001.tfrecord';
let root: string;
let sets: SyntheticShardSet[];
let sizes: number[];
let nginx: Nginx;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'client-bad-index-'));
  sets = [];
  for (const [i, fault] of INDEX_FAULTS.entries()) {
    const dir = join(root, `set${i}`);
    await mkdir(dir);
    const set = await writeShardSet({ dir, encoding: 'raw', partitions: [{ name: 'train', records: 8, shards: 1 }] });
    const indexPath = set.shardPath(`${SHARD}.index`);
    await writeFile(indexPath, fault.apply(await readFile(indexPath, 'utf8')));
    sets.push(set);
  }
  sizes = Array.from({ length: 8 }, (_, id) => sets[0]!.locate(id).size);
  nginx = await startNginx({ root });
});

afterAll(async () => {
  await nginx?.close();
  await rm(root, { recursive: true, force: true });
});

describe('direct reading refuses an index that disagrees with its shard', () => {
  it.each(INDEX_FAULTS.map((fault, i) => ({ ...fault, i })))('folder: $name', async ({ i, message }) => {
    const open = openBatchStream({ source: sets[i]!.dir, batchSize: 4, seed: 1 });
    await expect(open).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT', message: `${sets[i]!.shardPath(`${SHARD}.index`)}: ${message(sizes)}` });
  });

  it.each(INDEX_FAULTS.map((fault, i) => ({ ...fault, i })))('nginx: $name', async ({ i, message }) => {
    const open = openBatchStream({ source: `${nginx.url}/set${i}/`, batchSize: 4, seed: 1 });
    await expect(open).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT', message: `${nginx.url}/set${i}/${SHARD}.index: ${message(sizes)}` });
  });
});
