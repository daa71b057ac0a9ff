import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesFeature, decodeExample, encodeExample, floatFeature, int64Feature, type Example } from '../../src/tfrecord/example/index.js';
import { readAllRecords } from '../../src/tfrecord/reader.js';
import { TFRecordWriter } from '../../src/tfrecord/writer.js';

const examples: Example[] = Array.from({ length: 50 }, (_, i) => ({
  'image/encoded': bytesFeature(Buffer.alloc(i * 97, i)),
  'image/filename': bytesFeature(`${String(i).padStart(6, '0')}.jpg`),
  'clé/ü': floatFeature(i / 3, -i),
  label: int64Feature(i % 10, -(2n ** 63n), 2n ** 63n - 1n),
}));

describe('TFRecordWriter', () => {
  it('writeExample writes the same bytes as write(encodeExample(…)), across buffer flushes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writer-'));
    const viaBytes = await TFRecordWriter.create(join(dir, 'a.tfrecord'), { bufferSize: 4096 });
    const inPlace = await TFRecordWriter.create(join(dir, 'b.tfrecord'), { bufferSize: 4096 });
    for (const e of examples) {
      await viaBytes.write(encodeExample(e));
      await inPlace.writeExample(e);
    }
    const [a, b] = [await viaBytes.close(), await inPlace.close()];
    const bytes = await readFile(b.path);
    expect(bytes.equals(await readFile(a.path))).toBe(true);
    expect(b.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(b.index).toEqual(a.index);
    expect((await readAllRecords(b.path)).map((r) => decodeExample(r))).toEqual(examples.map((e) => decodeExample(encodeExample(e))));
  });

  it('skips hashing when told to, and still writes the same file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writer-'));
    const w = await TFRecordWriter.create(join(dir, 'c.tfrecord'), { sha256: false, sync: false });
    for (const e of examples) await w.writeExample(e);
    const written = await w.close();
    expect(written.sha256).toBeUndefined();
    expect(written.records).toBe(examples.length);
    expect((await readAllRecords(written.path)).length).toBe(examples.length);
  });
});
