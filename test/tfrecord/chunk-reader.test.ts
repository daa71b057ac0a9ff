import { readdirSync } from 'node:fs';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkedFileChunks } from '../../src/tfrecord/chunk-reader.js';
import { encodeRecords, FRAMING_BYTES } from '../../src/tfrecord/framing.js';
import { readRecords } from '../../src/tfrecord/reader.js';

/** 400 records of 0–3 KB, and the file offset of each. */
const records = Array.from({ length: 400 }, (_, i) => Buffer.alloc((i * 977) % 3000, i & 0xff));
const offsets = records.reduce<number[]>((acc, r, i) => [...acc, i === 0 ? 0 : acc[i - 1]! + records[i - 1]!.length + FRAMING_BYTES], []);
const openFds = (): number => readdirSync('/proc/self/fd').length;

async function fileWith(bytes: Buffer): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'chunk-reader-')), 'r.tfrecord');
  await writeFile(path, bytes);
  return path;
}

describe('checkedFileChunks (reads on the chunk worker)', () => {
  it('gives the file in chunks, vouching for exactly the records that lie whole in a chunk and check out', async () => {
    const bytes = encodeRecords(records);
    const bad = 123;
    bytes[offsets[bad]! + FRAMING_BYTES]! ^= 1; // a data byte: that record's data CRC fails
    const path = await fileWith(bytes);
    const chunkSize = 8192;
    const handle = await open(path, 'r');
    const good = new WeakMap<Uint8Array, readonly number[]>();
    const chunks: Buffer[] = [];
    const vouched: number[] = [];
    try {
      for await (const chunk of checkedFileChunks(handle, chunkSize, good)) {
        chunks.push(Buffer.from(chunk));
        vouched.push(...good.get(chunk)!);
      }
    } finally {
      await handle.close();
    }
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    const whole = offsets.filter((at, i) => i !== bad && Math.floor(at / chunkSize) === Math.floor((at + records[i]!.length + FRAMING_BYTES - 1) / chunkSize));
    expect(whole.length).toBeGreaterThan(300);
    expect(vouched).toEqual(whole);
  });

  it('readRecords off the thread: the same records; breaking out early ends the worker session and closes the file', async () => {
    const path = await fileWith(encodeRecords(records));
    const got: Buffer[] = [];
    for await (const r of readRecords(path, { offThread: true, chunkSize: 4096 })) got.push(Buffer.from(r.data));
    expect(got.map((b) => b.length)).toEqual(records.map((b) => b.length));
    expect(Buffer.concat(got).equals(Buffer.concat(records))).toBe(true);
    const before = openFds();
    let n = 0;
    for await (const r of readRecords(path, { offThread: true, chunkSize: 4096 })) if (r && ++n === 3) break;
    expect(openFds()).toBe(before);
  });

  it('a read that fails on the worker fails the iteration with the system error, and closes the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunk-reader-'));
    for await (const _ of readRecords(await fileWith(encodeRecords(records)), { offThread: true })) void _; // the worker runs from here on
    const before = openFds();
    const error = await (async () => {
      for await (const _ of readRecords(dir, { offThread: true })) void _;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EISDIR' });
    expect(openFds()).toBe(before);
  });
});
