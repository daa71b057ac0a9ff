import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeRecord, encodeRecords } from '../../src/tfrecord/framing.js';
import { readAllRecords, readRecords } from '../../src/tfrecord/reader.js';
import { TFRecordWriter } from '../../src/tfrecord/writer.js';
import { IndexedReader } from '../../src/tfrecord/indexed-reader.js';
import { exampleToJson } from '../../src/tfrecord/example/index.js';

const require = createRequire(import.meta.url);
const INTEROP = new URL('../../fixtures/interop/tfrecord-npm-0.2.0.tfrecord', import.meta.url).pathname;

/** TFRecord framing written out from the format's definition with a bitwise CRC, independent of src/. */
function referenceFrame(data: Uint8Array): Buffer {
  const crc = (bytes: Uint8Array): number => {
    let c = 0xffffffff;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    c = (c ^ 0xffffffff) >>> 0;
    return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
  };
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(data.length));
  const lenCrc = Buffer.alloc(4);
  lenCrc.writeUInt32LE(crc(len));
  const dataCrc = Buffer.alloc(4);
  dataCrc.writeUInt32LE(crc(data));
  return Buffer.concat([len, lenCrc, data, dataCrc]);
}

describe('TFRecord framing', () => {
  it('frames records byte for byte as the format defines (length, masked CRCs, little-endian)', () => {
    for (const data of [new Uint8Array(0), Buffer.from('hi'), Buffer.alloc(70_000, 0xab)]) {
      expect(encodeRecord(data).equals(referenceFrame(data))).toBe(true);
    }
  });

  it('reads a file written by another implementation and writes the same bytes for the same Example', async () => {
    const file = readFileSync(INTEROP);
    const records = await readAllRecords(INTEROP);
    expect(records).toHaveLength(1);
    expect(JSON.parse(exampleToJson(records[0]!))).toEqual({
      features: { feature: { answer: { int64List: { value: ['42'] } }, pi: { floatList: { value: [3.14] } }, name: { bytesList: { value: ['QUJD'] } } } },
    });
    expect(encodeRecords(records).equals(file)).toBe(true);
  });

  it('writes files identical to the tfrecord npm package for the same record bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'framing-'));
    const tfrecord = require('tfrecord') as {
      createBuilder(): { setInteger(k: string, v: number): void; setBinary(k: string, v: Uint8Array): void; releaseExample(): unknown };
      createWriter(path: string): Promise<{ writeExample(e: unknown): Promise<void>; close(): Promise<void> }>;
    };
    const theirs = join(dir, 'theirs.tfrecord');
    const w = await tfrecord.createWriter(theirs);
    for (let i = 0; i < 5; i++) {
      const b = tfrecord.createBuilder();
      b.setInteger('i', i);
      b.setBinary('payload', new Uint8Array(i * 100).fill(i));
      await w.writeExample(b.releaseExample());
    }
    await w.close();
    const records = await readAllRecords(theirs);
    const ours = join(dir, 'ours.tfrecord');
    const mine = await TFRecordWriter.create(ours, { bufferSize: 256 });
    for (const r of records) await mine.write(r);
    const written = await mine.close();
    expect((await readFile(ours)).equals(await readFile(theirs))).toBe(true);
    expect(written.records).toBe(5);
    expect(Array.from(written.index.offsets)).toEqual([0, ...written.index.sizes.slice(0, 4).map((_, i, a) => a.slice(0, i + 1).reduce((x, y) => x + y, 0))]);
  });

  it('reads gzip and zlib input, detected by magic bytes or chosen', async () => {
    const plain = encodeRecords([Buffer.from('a'), Buffer.from('bc'), Buffer.alloc(5000, 1)]);
    for (const [bytes, compression] of [
      [gzipSync(plain), 'gzip'],
      [deflateSync(plain), 'zlib'],
      [plain, 'none'],
    ] as const) {
      expect((await readAllRecords(bytes)).map((r) => r.length)).toEqual([1, 2, 5000]);
      expect((await readAllRecords(bytes, { compression })).map((r) => r.length)).toEqual([1, 2, 5000]);
    }
  });

  it('reads web streams and Node streams in arbitrary chunk sizes', async () => {
    const records = Array.from({ length: 50 }, (_, i) => Buffer.alloc(i * 37, i));
    const plain = encodeRecords(records);
    for (const step of [1, 7, 16, 4096]) {
      const chunks = (async function* () {
        for (let i = 0; i < plain.length; i += step) yield plain.subarray(i, i + step);
      })();
      const got = await readAllRecords(chunks);
      expect(got.map((r) => r.length)).toEqual(records.map((r) => r.length));
    }
    const web = new Blob([new Uint8Array(plain)]).stream();
    expect(await readAllRecords(web)).toHaveLength(50);
  });

  it('reports offsets and indices of streamed records', async () => {
    const plain = encodeRecords([Buffer.from('x'), Buffer.from('yy')]);
    const seen = [];
    for await (const r of readRecords(plain)) seen.push([r.index, r.offset, r.data.toString()]);
    expect(seen).toEqual([
      [0, 0, 'x'],
      [1, 17, 'yy'],
    ]);
  });

  it('closes the file when the reader stops early or meets corruption', async () => {
    const { readdirSync } = await import('node:fs');
    const { writeFile } = await import('node:fs/promises');
    const dir = await mkdtemp(join(tmpdir(), 'close-'));
    const path = join(dir, 'f.tfrecord');
    const records = Array.from({ length: 200 }, (_, i) => Buffer.alloc(100, i));
    await writeFile(path, encodeRecords(records));
    const openFds = (): number => readdirSync('/proc/self/fd').length;
    const before = openFds();
    for await (const r of readRecords(path, { chunkSize: 1000 })) if (r.index === 3) break;
    expect(openFds()).toBe(before);
    await writeFile(`${path}.gz`, gzipSync(encodeRecords(records)));
    for await (const r of readRecords(`${path}.gz`, { chunkSize: 1000 })) if (r.index === 3) break;
    expect(openFds()).toBe(before);
    const bad = encodeRecords(records);
    bad[116 * 50 + 20]! ^= 1; // data of record 50
    await writeFile(path, bad);
    let seen = 0;
    const read = async (): Promise<void> => {
      for await (const _ of readRecords(path, { chunkSize: 1000 })) seen++;
    };
    await expect(read()).rejects.toThrow(`${path} @ byte ${116 * 50}: record 50: data CRC mismatch`);
    expect(seen).toBe(50);
    expect(openFds()).toBe(before);
  });

  it('reads records at random through the index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'indexed-'));
    const path = join(dir, 'f.tfrecord');
    const w = await TFRecordWriter.create(path);
    for (let i = 0; i < 20; i++) await w.write(Buffer.from(`record-${i}`));
    const { index } = await w.close();
    const reader = await IndexedReader.open(path, { index });
    expect((await reader.read(13)).toString()).toBe('record-13');
    expect((await reader.readRange(3, 3)).map(String)).toEqual(['record-3', 'record-4', 'record-5']);
    await expect(reader.readRange(19, 2)).rejects.toThrow(/outside/);
    await expect(reader.readRange(19, 2)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE', param: 'start', file: path, message: `${path}: records [19, 21) are outside [0, 20)` });
    await reader.close();
  });
});
