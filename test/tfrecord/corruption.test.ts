import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../src/core/errors.js';
import { encodeRecords } from '../../src/tfrecord/framing.js';
import { readRecords } from '../../src/tfrecord/reader.js';

const payloads = [Buffer.from('alpha'), Buffer.alloc(0), Buffer.from('gamma-delta'), Buffer.from('eps')];
const file = encodeRecords(payloads);
const starts = payloads.reduce<number[]>((acc, p, i) => [...acc, i === 0 ? 0 : acc[i - 1]! + payloads[i - 1]!.length + 16], []);

function recordAt(byte: number): number {
  let r = 0;
  for (let i = 0; i < starts.length; i++) if (starts[i]! <= byte) r = i;
  return r;
}

function expectedKind(byte: number): string {
  const r = recordAt(byte);
  return byte - starts[r]! < 12 ? 'length-crc' : 'data-crc';
}

async function collect(source: Uint8Array, policy: 'throw' | 'skip'): Promise<{ good: string[]; errors: CorruptRecordError[] }> {
  const good: string[] = [];
  const errors: CorruptRecordError[] = [];
  try {
    for await (const r of readRecords(source, { name: 'f.tfrecord', onCorrupt: policy, onSkip: (e) => errors.push(e) })) good.push(r.data.toString());
  } catch (e) {
    if (!(e instanceof CorruptRecordError)) throw e;
    errors.push(e);
  }
  return { good, errors };
}

describe('corruption', () => {
  it('reports every single-byte flip as corruption of the right record, at its offset', async () => {
    for (let byte = 0; byte < file.length; byte++) {
      const bad = Buffer.from(file);
      bad[byte]! ^= 0xff;
      const r = recordAt(byte);
      const stop = await collect(bad, 'throw');
      expect(stop.good, `flip at ${byte}`).toEqual(payloads.slice(0, r).map(String));
      expect(stop.errors, `flip at ${byte}`).toHaveLength(1);
      expect(stop.errors[0]!.offset).toBe(starts[r]);
      expect(stop.errors[0]!.record).toBe(r);
      expect(stop.errors[0]!.kind).toBe(expectedKind(byte));
      expect(stop.errors[0]!.message).toBe(`f.tfrecord @ byte ${starts[r]}: record ${r}: ${expectedKind(byte) === 'length-crc' ? 'length CRC mismatch' : 'data CRC mismatch'}`);

      const skip = await collect(bad, 'skip');
      expect(skip.errors.map((e) => e.offset), `flip at ${byte}`).toEqual([starts[r]]);
      expect(skip.good, `flip at ${byte}`).toEqual(payloads.filter((_, i) => i !== r).map(String));
    }
  });

  it('reports a truncated final record and still delivers the records before it', async () => {
    for (let cut = 1; cut < payloads[3]!.length + 16; cut++) {
      const truncated = file.subarray(0, file.length - cut);
      const { good, errors } = await collect(truncated, 'throw');
      expect(good).toEqual(payloads.slice(0, 3).map(String));
      expect(errors).toHaveLength(1);
      expect(errors[0]!.offset).toBe(starts[3]);
      expect(errors[0]!.kind).toBe(truncated.length - starts[3]! < 12 ? 'truncated-header' : 'truncated-data');
    }
  });

  it('names the file in errors when reading from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corrupt-'));
    const path = join(dir, 'shard-00003.tfrecord');
    const bad = Buffer.from(file);
    bad[starts[2]! + 14]! ^= 1;
    await writeFile(path, bad);
    await expect(collect(await import('node:fs/promises').then((fs) => fs.readFile(path)), 'throw')).resolves.toBeDefined();
    const run = async (): Promise<void> => {
      for await (const _ of readRecords(path)) void _;
    };
    await expect(run()).rejects.toThrow(`${path} @ byte ${starts[2]}: record 2: data CRC mismatch`);
  });

  it('rejects a length beyond what a record can hold, after its CRC passed', async () => {
    const header = Buffer.alloc(12);
    header.writeUInt32LE(0, 0);
    header.writeUInt32LE(1, 4); // 2^32 bytes
    const { maskedCrc32c } = await import('../../src/tfrecord/crc32c.js');
    header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
    const { errors } = await collect(header, 'throw');
    expect(errors[0]!.kind).toBe('bad-length');
  });
});

describe('file reads in small chunks', () => {
  it('deliver the same records and the same corruption reports at every chunk size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    const path = join(dir, 'f.tfrecord');
    const bad = Buffer.from(file);
    bad[starts[1]! + 3]! ^= 0x40; // length CRC of record 1: forces a re-synchronisation
    bad[starts[2]! + 20]! ^= 0x01; // data of record 2
    await writeFile(path, bad);
    for (const offThread of [false, true]) {
      for (const chunkSize of [1, 3, 12, 17, 64, 4096]) {
        const errors: CorruptRecordError[] = [];
        const good: string[] = [];
        for await (const r of readRecords(path, { chunkSize, offThread, onCorrupt: 'skip', onSkip: (e) => errors.push(e) })) good.push(r.data.toString());
        expect(good, `chunk ${chunkSize}`).toEqual(['alpha', 'eps']);
        expect(errors.map((e) => [e.offset, e.kind]), `chunk ${chunkSize}`).toEqual([
          [starts[1], 'length-crc'],
          [starts[2], 'data-crc'],
        ]);
        await writeFile(path, file);
        const clean: string[] = [];
        for await (const r of readRecords(path, { chunkSize, offThread })) clean.push(r.data.toString());
        expect(clean).toEqual(payloads.map(String));
        await writeFile(path, bad);
      }
    }
  });

  it('read on the chunk worker (which checks whole records), report every single-byte flip as read here', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunks-'));
    const path = join(dir, 'f.tfrecord');
    for (const chunkSize of [5, 13, 40, 4096]) {
      for (let byte = 0; byte < file.length; byte++) {
        const bad = Buffer.from(file);
        bad[byte]! ^= 0xff;
        await writeFile(path, bad);
        const r = recordAt(byte);
        const errors: CorruptRecordError[] = [];
        const good: string[] = [];
        for await (const rec of readRecords(path, { chunkSize, offThread: true, onCorrupt: 'skip', onSkip: (e) => errors.push(e) })) good.push(rec.data.toString());
        expect(errors.map((e) => [e.offset, e.record, e.kind]), `chunk ${chunkSize}, flip at ${byte}`).toEqual([[starts[r], r, expectedKind(byte)]]);
        expect(good, `chunk ${chunkSize}, flip at ${byte}`).toEqual(payloads.filter((_, i) => i !== r).map(String));
      }
    }
  });

  it('report every single-byte flip the same whatever the chunking of a stream', async () => {
    async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    }
    for (const size of [1, 5, 13]) {
      for (let byte = 0; byte < file.length; byte++) {
        const bad = Buffer.from(file);
        bad[byte]! ^= 0xff;
        const r = recordAt(byte);
        const errors: CorruptRecordError[] = [];
        const good: string[] = [];
        for await (const rec of readRecords(chunked(bad, size), { onCorrupt: 'skip', onSkip: (e) => errors.push(e) })) good.push(rec.data.toString());
        expect(errors.map((e) => [e.offset, e.record, e.kind]), `chunk ${size}, flip at ${byte}`).toEqual([[starts[r], r, expectedKind(byte)]]);
        expect(good, `chunk ${size}, flip at ${byte}`).toEqual(payloads.filter((_, i) => i !== r).map(String));
      }
    }
  });
});
