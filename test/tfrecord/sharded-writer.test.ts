import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readAllRecords } from '../../src/tfrecord/reader.js';
import { parseIndex } from '../../src/tfrecord/record-index.js';
import { AtomicShardWriter, ShardedWriter, shardFileName } from '../../src/tfrecord/writer.js';

const WRITER = new URL('../../dist/src/tfrecord/writer.js', import.meta.url).href;

async function checkShard(dir: string, name: string): Promise<number> {
  const bytes = await readFile(join(dir, name));
  const records = await readAllRecords(bytes, { name });
  const index = parseIndex(await readFile(join(dir, `${name}.index`), 'utf8'), name, bytes.length);
  expect(index.offsets.length).toBe(records.length);
  expect(index.offsets[index.offsets.length - 1]! + index.sizes[index.sizes.length - 1]!).toBe(bytes.length);
  return records.length;
}

describe('sharded writing', () => {
  it('rolls shards by record count and by bytes, names them -NNNNN-of-NNNNN, writes indexes and sha256', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sharded-'));
    const byCount = await ShardedWriter.create({ dir, prefix: 'ds-train', maxRecords: 4 });
    for (let i = 0; i < 10; i++) await byCount.write(Buffer.from(`r${i}`));
    const shards = await byCount.close();
    expect(shards.map((s) => [s.name, s.records])).toEqual([
      ['ds-train-00000-of-00003.tfrecord', 4],
      ['ds-train-00001-of-00003.tfrecord', 4],
      ['ds-train-00002-of-00003.tfrecord', 2],
    ]);
    for (const s of shards) {
      const bytes = await readFile(join(dir, s.name));
      expect(s.bytes).toBe(bytes.length);
      expect(s.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(await checkShard(dir, s.name)).toBe(s.records);
    }
    const byBytes = await ShardedWriter.create({ dir, prefix: 'ds-val', maxBytes: 100 });
    for (let i = 0; i < 10; i++) await byBytes.write(Buffer.alloc(30, i));
    const small = await byBytes.close();
    expect(small.every((s) => s.bytes <= 100)).toBe(true);
    expect(small.reduce((a, s) => a + s.records, 0)).toBe(10);
    expect((await readdir(dir)).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('writes a shard atomically and cleans up on abort', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atomic-'));
    const name = shardFileName('x', 0, 1);
    const w = await AtomicShardWriter.create(join(dir, name));
    await w.write(Buffer.from('a'));
    expect(await readdir(dir)).toEqual([`.${name}.partial`]);
    await w.abort();
    expect(await readdir(dir)).toEqual([]);
  });

  it('leaves no incomplete file under a final shard name when the process is killed mid-write', async () => {
    let finalsSeen = 0;
    let partialsSeen = 0;
    for (const delay of [0, 40, 90]) {
      const dir = await mkdtemp(join(tmpdir(), 'kill-'));
      const script = `
        const { AtomicShardWriter, shardFileName } = await import(${JSON.stringify(WRITER)});
        const payload = Buffer.alloc(2000, 7);
        for (let s = 0; s < 1000; s++) {
          const w = await AtomicShardWriter.create(${JSON.stringify(dir)} + '/' + shardFileName('k', s, 1000));
          for (let i = 0; i < 300; i++) await w.write(payload);
          await w.close();
        }`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
      // kill once the first shard is whole, plus a little: the next one is being written then
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !(await readdir(dir)).some((f) => f.endsWith('.tfrecord') && !f.startsWith('.'))) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const files = await readdir(dir);
      const finals = files.filter((f) => f.endsWith('.tfrecord') && !f.startsWith('.'));
      for (const f of finals) expect(await checkShard(dir, f)).toBe(300);
      finalsSeen += finals.length;
      partialsSeen += files.filter((f) => f.endsWith('.partial')).length;
    }
    // the kills really came mid-write, after some shards were complete
    expect(finalsSeen).toBeGreaterThan(0);
    expect(partialsSeen).toBeGreaterThan(0);
  });
});
