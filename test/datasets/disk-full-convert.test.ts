import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderBytes, MNIST_FIXTURE, tempDir } from './helpers.js';
import { runBin } from '../helpers/run-bin.js';
import { mountTmpfs, PAGE } from '../helpers/tmpfs.js';

// mnist-convert of the 20 training digits of the fixture into 2 shards: each shard is 9,470
// bytes (3 pages of tmpfs), its index, its resume sidecar and the manifest one page each. Leaving
// just so many pages free makes each of these writes the one that hits the full disk.
const tmpfs = await mountTmpfs(1024 * 1024);
afterAll(() => tmpfs?.unmount());

const ARGS = ['-q', '--source', MNIST_FIXTURE, '--partition', 'train', '--size', '0', '--format', 'raw', '--shards', '2'];
const SHARD = 'mnist-train-00000-of-00002.tfrecord';
let clean: Map<string, Buffer>;
let shardPages: number;

beforeAll(async () => {
  const dir = join(await tempDir(), 'clean');
  const r = await runBin('mnist-convert', [...ARGS, '--out', dir]);
  expect(r.code).toBe(0);
  clean = await folderBytes(dir);
  shardPages = Math.ceil(clean.get(SHARD)!.length / PAGE);
});

/** Convert into `<tmpfs>/out` with `pages` pages free. */
async function convertWithFree(pages: number, fresh = true): Promise<{ code: number | null; stderr: string; stdout: string; out: string }> {
  if (fresh) await tmpfs!.empty();
  await tmpfs!.leaveFree(pages * PAGE);
  const out = join(tmpfs!.dir, 'out');
  return { ...(await runBin('mnist-convert', [...ARGS, '--out', out])), out };
}

/** The files of `dir` that a failed write may have left behind. */
async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.partial'));
}

/** Run again with room: it completes with the bytes of an uninterrupted run; returns its summary. */
async function resumeWithRoom(): Promise<string> {
  const again = await convertWithFree(64, false);
  expect(again.code).toBe(0);
  expect(await folderBytes(again.out)).toEqual(clean);
  return again.stdout;
}

function expectWriteFailed(r: { code: number | null; stderr: string }, file: string): void {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: write failed: ENOSPC: no space left on device, write \\(ERR_WRITE_FAILED\\)\\n$`));
}

describe.runIf(tmpfs)('mnist-convert on a full disk', () => {
  it('fails with ERR_WRITE_FAILED naming the shard when its data does not fit (short write), and leaves nothing partial', async () => {
    const r = await convertWithFree(shardPages - 1);
    expectWriteFailed(r, join(r.out, `.${SHARD}.partial`));
    expect(await readdir(r.out)).toEqual([]);
  });

  it('fails with ERR_WRITE_FAILED naming the index when the index does not fit, and leaves no .index.partial', async () => {
    const r = await convertWithFree(shardPages);
    expectWriteFailed(r, join(r.out, `.${SHARD}.index.partial`));
    expect(await readdir(r.out)).toEqual([]);
  });

  it('fails with ERR_WRITE_FAILED naming manifest.json when it does not fit; the shards stay whole and the next run completes', async () => {
    const r = await convertWithFree(2 * (shardPages + 2));
    expectWriteFailed(r, join(r.out, '.manifest.json.partial'));
    expect(await leftovers(r.out)).toEqual([]);
    expect((await readdir(r.out)).filter((n) => !n.startsWith('.')).sort()).toEqual([...clean.keys()].filter((n) => n !== 'manifest.json'));
    expect(await resumeWithRoom()).toContain('resumed: 2 of 2 shards');
  });

  it('keeps the shard completed before the disk filled, and a re-run with room resumes to the same bytes as an uninterrupted run', async () => {
    const r = await convertWithFree(2 * shardPages + 2);
    expectWriteFailed(r, join(r.out, `.${SHARD.replace('00000', '00001')}.index.partial`));
    expect(await leftovers(r.out)).toEqual([]);
    expect((await readFile(join(r.out, SHARD))).equals(clean.get(SHARD)!)).toBe(true);
    expect(await resumeWithRoom()).toContain('resumed: 1 of 2 shards');
  });

  it('rewrites on resume a kept shard whose bytes changed but not its size (sha256 checked, not only size)', async () => {
    const r = await convertWithFree(2 * shardPages + 2);
    expect(r.code).toBe(1);
    const kept = join(r.out, SHARD);
    const bytes = await readFile(kept);
    const at = bytes.length - 100;
    bytes[at] = bytes[at]! ^ 0xff; // same size, one data byte flipped
    await writeFile(kept, bytes);
    expect((await stat(kept)).size).toBe(clean.get(SHARD)!.length);
    expect(await resumeWithRoom()).not.toContain('resumed');
  });

  it('rewrites on resume a kept shard whose index changed but not its size', async () => {
    const r = await convertWithFree(2 * shardPages + 2);
    expect(r.code).toBe(1);
    const index = join(r.out, `${SHARD}.index`);
    const lines = (await readFile(index, 'utf8')).split('\n');
    await writeFile(index, [lines[1], lines[0], ...lines.slice(2)].join('\n')); // two lines swapped
    expect(await resumeWithRoom()).not.toContain('resumed');
  });

  it('removes at its start the partial files of a run that was killed while writing them', async () => {
    await tmpfs!.empty();
    const out = join(tmpfs!.dir, 'out');
    await mkdir(out);
    const partials = ['.manifest.json.partial', `.${SHARD}.partial`, `.${SHARD}.index.partial`, `..${SHARD}.done.json.partial`];
    for (const name of partials) await writeFile(join(out, name), 'half');
    // with no room, the next run fails too: only what it removed at its start is gone then
    const r = await convertWithFree(0, false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(ERR_WRITE_FAILED)');
    expect(await leftovers(out)).toEqual([]);
    await resumeWithRoom();
  });
});
