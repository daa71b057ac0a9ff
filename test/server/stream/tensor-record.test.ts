import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32cCombine, crc32cCombineTable, crc32cShiftTable } from '../../../src/tfrecord/crc-combine.js';
import { TensorRecord } from '../../../src/server/stream/tensor-record.js';
import { encodeTensorBatch } from '../../../src/shards/tensor-batch.js';
import { crc32c } from '../../../src/tfrecord/crc32c.js';
import { encodeRecord } from '../../../src/tfrecord/framing.js';

describe('CRC-32C combination', () => {
  it('crc(A‖B) from crc(A), crc(B) and |B|, for many lengths', () => {
    for (let t = 0; t < 120; t++) {
      const a = randomBytes((t * 37) % 3000);
      const b = randomBytes((t * 91) % 5000);
      expect(crc32cCombine(crc32c(a), crc32c(b), b.length)).toBe(crc32c(Buffer.concat([a, b])));
    }
  });

  it('the table form gives the same for one length', () => {
    const table = crc32cShiftTable(192);
    let whole = Buffer.alloc(0);
    let crc = crc32c(whole);
    for (let i = 0; i < 20; i++) {
      const part = randomBytes(192);
      crc = crc32cCombineTable(crc, crc32c(part), table);
      whole = Buffer.concat([whole, part]);
    }
    expect(crc).toBe(crc32c(whole));
  });
});

describe('TensorRecord', () => {
  for (const n of [0, 1, 3, 130]) {
    it(`is byte for byte encodeRecord(encodeTensorBatch(...)) for ${n} images`, () => {
      const size = 4 * 5 * 3;
      const images = randomBytes(n * size);
      const meta = { shape: [n, 4, 5, 3] as const, ids: Array.from({ length: n }, (_, i) => i * 1000 + 7), epoch: 123456789, batchIndex: 42 };
      const want = encodeRecord(encodeTensorBatch({ ...meta, images }));
      const record = TensorRecord.create(meta, size, crc32cShiftTable(size));
      // in any order, as decodes finish
      for (let i = n - 1; i >= 0; i--) {
        const px = images.subarray(i * size, (i + 1) * size);
        record.setImage(i, px, crc32c(px));
      }
      expect(record.finish().equals(want)).toBe(true);
    });
  }

  it('refuses to finish with an image missing, or an image of another size', () => {
    const record = TensorRecord.create({ shape: [2, 1, 1, 3], ids: [0, 1], epoch: 0, batchIndex: 0 }, 3, crc32cShiftTable(3));
    record.setImage(0, Buffer.alloc(3), crc32c(Buffer.alloc(3)));
    expect(() => record.setImage(1, Buffer.alloc(4), 0)).toThrow('image 1 has 4 bytes, expected 3');
    expect(() => record.finish()).toThrow('images missing');
    expect(() => record.setImage(1, Buffer.alloc(4), 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', param: 'pixels' }));
    expect(() => record.finish()).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});
