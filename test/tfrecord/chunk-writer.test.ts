import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesFeature, encodeExample, int64Feature, type Example } from '../../src/tfrecord/example/index.js';
import { encodeRecords, FRAMING_BYTES } from '../../src/tfrecord/framing.js';
import { TFRecordWriter } from '../../src/tfrecord/writer.js';

const WRITER = new URL('../../dist/src/tfrecord/writer.js', import.meta.url).href;

/** ~6 MiB of records of varied sizes (some above the buffer size). */
const records = Array.from({ length: 1500 }, (_, i) => {
  const b = Buffer.alloc(i % 97 === 0 ? 40_000 : (i * 131) % 7000);
  for (let k = 0; k < b.length; k++) b[k] = (k * 7 + i) & 0xff;
  return b;
});

const example = (i: number): Example => ({
  'image/encoded': bytesFeature(records[i]!),
  'image/filename': bytesFeature(`${String(i).padStart(6, '0')}.jpg`),
  label: int64Feature(i % 10, i * 1000, -i),
});

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const openFds = (): number => readdirSync('/proc/self/fd').length;

/** Run `script` (an ES module that gets `TFRecordWriter` and `dir`) in a child; resolves with its output and exit code, or fails if it hangs. */
function runChild(script: string, dir: string): Promise<{ out: string; code: number | null }> {
  const source = `const { TFRecordWriter } = await import(${JSON.stringify(WRITER)}); const dir = ${JSON.stringify(dir)};\n${script}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit by itself; output: ${out}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
}

/** Write `records` to `path` through a writer with small buffers (many chunks); returns what close() says. */
async function writeAll(path: string, bufferSize = 16 * 1024): Promise<Awaited<ReturnType<TFRecordWriter['close']>>> {
  const w = await TFRecordWriter.create(path, { bufferSize });
  for (const r of records) await w.write(r);
  return w.close();
}

describe('TFRecordWriter with its chunk worker', () => {
  it('writes many chunks byte for byte as encodeRecords frames them, with the sha256 and index of the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    await writeAll(join(dir, 'warm-up.tfrecord')); // the process's chunk worker (and its descriptors) exists from here on
    const before = openFds();
    const w = await TFRecordWriter.create(join(dir, 'a.tfrecord'), { bufferSize: 16 * 1024 });
    for (let i = 0; i < records.length; i++) {
      await w.write(records[i]!);
      if (i % 300 === 0) await pause(100); // the worker boots meanwhile: chunks go both ways
    }
    const written = await w.close();
    const bytes = await readFile(written.path);
    expect(bytes.equals(encodeRecords(records))).toBe(true);
    expect(written.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(written.bytes).toBe(bytes.length);
    expect(written.records).toBe(records.length);
    let offset = 0;
    for (let i = 0; i < records.length; i++) {
      expect([written.index.offsets[i], written.index.sizes[i]]).toEqual([offset, records[i]!.length + FRAMING_BYTES]);
      offset += records[i]!.length + FRAMING_BYTES;
    }
    expect(openFds()).toBe(before); // the file closed, no second worker
  });

  it('writes the same file through writeExample, without hashing or sync, as inline-framed records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    const w = await TFRecordWriter.create(join(dir, 'b.tfrecord'), { bufferSize: 64 * 1024, sha256: false, sync: false });
    for (let i = 0; i < records.length; i++) {
      await w.writeExample(example(i));
      if (i === 200) await pause(300);
    }
    const written = await w.close();
    expect(written.sha256).toBeUndefined();
    const expected = encodeRecords(records.map((_, i) => encodeExample(example(i))));
    expect((await readFile(written.path)).equals(expected)).toBe(true);
  });

  it('writers at once share the worker, each file whole and hashed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    const files = await Promise.all([8, 16, 32].map((kb) => writeAll(join(dir, `${kb}.tfrecord`), kb * 1024)));
    const expected = encodeRecords(records);
    const sha256 = createHash('sha256').update(expected).digest('hex');
    for (const f of files) {
      expect((await readFile(f.path)).equals(expected)).toBe(true);
      expect(f.sha256).toBe(sha256);
    }
  });

  it('hashes what it wrote before the worker was ready (a file written at once, never waiting)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    const w = await TFRecordWriter.create(join(dir, 'c.tfrecord'), { bufferSize: 8 * 1024 });
    for (const r of records) await w.write(r);
    const written = await w.close();
    const bytes = await readFile(written.path);
    expect(bytes.equals(encodeRecords(records))).toBe(true);
    expect(written.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('abort() ends its work with the worker and closes the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    await writeAll(join(dir, 'warm-up.tfrecord'));
    const before = openFds();
    const w = await TFRecordWriter.create(join(dir, 'd.tfrecord'), { bufferSize: 16 * 1024 });
    for (let i = 0; i < 300; i++) await w.write(records[i]!);
    await pause(300);
    for (let i = 300; i < 600; i++) await w.write(records[i]!);
    await w.abort();
    expect(openFds()).toBe(before);
    await expect(w.write(records[0]!)).rejects.toThrow(/d\.tfrecord: write after close/);
    await expect(w.write(records[0]!)).rejects.toMatchObject({ code: 'ERR_INVALID_STATE', where: join(dir, 'd.tfrecord') });
  });

  it('rejects the next write and close with an error naming the file when writing fails; the worker goes on for other files', async () => {
    const path = '/dev/full'; // every write fails with ENOSPC
    const w = await TFRecordWriter.create(path, { bufferSize: 16 * 1024 });
    const error = await (async () => {
      for (let i = 0; ; i++) {
        await w.write(records[i % records.length]!);
        if (i % 100 === 0) await pause(20); // the worker's report comes in meanwhile
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_WRITE_FAILED', file: path, errno: 'ENOSPC' });
    expect((error as Error).message).toMatch(/^\/dev\/full: write failed: ENOSPC/);
    await expect(w.writeExample(example(0))).rejects.toBe(error);
    await expect(w.close()).rejects.toBe(error);
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    expect((await readFile((await writeAll(join(dir, 'after.tfrecord'))).path)).equals(encodeRecords(records))).toBe(true);
  });

  it('reports a write that fails on the worker, and the process exits without close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    // the file's descriptor is closed underneath once the worker runs: its next write fails (EBADF)
    const script = `
      const { readdirSync, readlinkSync, closeSync } = await import('node:fs');
      const path = dir + '/e.tfrecord';
      const w = await TFRecordWriter.create(path, { bufferSize: 16 * 1024 });
      const payload = Buffer.alloc(3000, 1);
      for (let i = 0; i < 20; i++) await w.write(payload);
      await new Promise((r) => setTimeout(r, 1000));
      const fd = readdirSync('/proc/self/fd').find((f) => { try { return readlinkSync('/proc/self/fd/' + f) === path; } catch { return false; } });
      closeSync(Number(fd));
      try {
        for (let i = 0; i < 2000; i++) {
          await w.write(payload);
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
        }
        console.log('no error');
      } catch (error) {
        console.log(error.code, error.message);
      }`;
    const { out, code } = await runChild(script, dir);
    expect(code).toBe(0);
    expect(out.trim()).toMatch(new RegExp(`^ERR_WRITE_FAILED ${dir}/e\\.tfrecord: write failed: EBADF: bad file descriptor`));
  });

  it('does not keep the process alive when a writer is left open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    const script = `
      const w = await TFRecordWriter.create(dir + '/f.tfrecord', { bufferSize: 16 * 1024 });
      for (let i = 0; i < 2000; i++) await w.write(Buffer.alloc(3000, i));
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 200; i++) await w.write(Buffer.alloc(3000, i));
      console.log('left open');`;
    expect(await runChild(script, dir)).toEqual({ out: 'left open\n', code: 0 });
  });
});
