import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAllRecords } from '../../src/tfrecord/reader.js';
import { AtomicShardWriter, ShardedWriter, TFRecordWriter, type WriterOptions } from '../../src/tfrecord/writer.js';
import { mountTmpfs, PAGE } from '../helpers/tmpfs.js';

// A 600 KiB filesystem: 900 records of 1,000 bytes (914,400 bytes framed) do not fit, and the
// write that reaches the end is short (it writes what fits) before the next one fails with ENOSPC.
const tmpfs = await mountTmpfs(600 * 1024);
afterAll(() => tmpfs?.unmount());
/** Where a test writes: a file on the tmpfs, or `/dev/full` (every write fails) where mounting is not permitted. */
const target = (name: string): string => (tmpfs ? join(tmpfs.dir, name) : '/dev/full');
/** An empty tmpfs with `bytes` free (nothing to do on /dev/full). */
async function fresh(bytes: number): Promise<void> {
  await tmpfs?.empty();
  await tmpfs?.leaveFree(bytes);
}
const record = (i: number): Buffer => Buffer.alloc(1000, i);

async function writeRecords(path: string, count: number, options: WriterOptions = {}): Promise<unknown> {
  const w = await TFRecordWriter.create(path, options);
  try {
    for (let i = 0; i < count; i++) await w.write(record(i));
  } catch (error) {
    await w.abort();
    return error;
  }
  return w.close().catch((error: unknown) => error);
}

describe('TFRecordWriter on a full disk', () => {
  it('fails close with ERR_WRITE_FAILED naming the file when a file smaller than its buffer does not fit (inline path, short write)', async () => {
    await fresh(600 * 1024);
    const path = target('inline.tfrecord');
    const result = await writeRecords(path, 900);
    expect(result).toMatchObject({ code: 'ERR_WRITE_FAILED', file: path, errno: 'ENOSPC' });
    expect((result as Error).message).toMatch(new RegExp(`^${path}: write failed: ENOSPC`));
  });

  it('fails with ERR_WRITE_FAILED naming the file when chunks written on and off the worker do not fit', async () => {
    await fresh(600 * 1024);
    const path = target('chunks.tfrecord');
    const result = await writeRecords(path, 900, { bufferSize: 64 * 1024 });
    expect(result).toMatchObject({ code: 'ERR_WRITE_FAILED', file: path, errno: 'ENOSPC' });
  });

  it.runIf(tmpfs)('writes a file that just fits whole (no false alarm at the edge)', async () => {
    await fresh(600 * 1024);
    const path = target('fits.tfrecord');
    const count = Math.floor((600 * 1024) / 1016);
    const written = await writeRecords(path, count);
    expect(written).toMatchObject({ records: count, bytes: count * 1016 });
    expect(await readAllRecords(path)).toHaveLength(count);
  });

  it.runIf(tmpfs)('fails AtomicShardWriter.close with ERR_WRITE_FAILED naming the index when the index does not fit, and leaves no partial file', async () => {
    // 50 records: 50,800 bytes = 13 pages exactly fill what is free, so the index gets no page.
    await fresh(13 * PAGE);
    const dir = join(tmpfs!.dir, 'atomic');
    await mkdir(dir);
    const path = join(dir, 'a.tfrecord');
    const w = await AtomicShardWriter.create(path, { sync: false });
    for (let i = 0; i < 50; i++) await w.write(record(i));
    const error = await w.close().catch((e: unknown) => e);
    await w.abort();
    expect(error).toMatchObject({ code: 'ERR_WRITE_FAILED', file: join(dir, '.a.tfrecord.index.partial'), errno: 'ENOSPC' });
    expect(await readdir(dir)).toEqual([]);
  });

  it.runIf(tmpfs)('fails ShardedWriter.close with ERR_WRITE_FAILED naming the index when an index does not fit, and abort leaves nothing', async () => {
    await fresh(26 * PAGE); // two shards of 13 pages each, no page for an index
    const dir = join(tmpfs!.dir, 'sharded');
    await mkdir(dir);
    const w = await ShardedWriter.create({ dir, prefix: 's', maxRecords: 50 });
    for (let i = 0; i < 100; i++) await w.write(record(i));
    const error = await w.close().catch((e: unknown) => e);
    await w.abort();
    expect(error).toMatchObject({ code: 'ERR_WRITE_FAILED', errno: 'ENOSPC' });
    expect((error as { file: string }).file).toBe(join(dir, '.s-00000-of-00002.tfrecord.index.partial'));
    expect(await readdir(dir)).toEqual([]);
  });
});
