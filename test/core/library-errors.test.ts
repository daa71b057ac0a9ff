import { open, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { Limiter } from '../../src/core/limiter.js';
import { compiledModuleUrl } from '../../src/core/worker-module.js';
import { featureStats, frechetDistance } from '../../src/eval/frechet.js';
import { symmetricEigen } from '../../src/eval/symmetric-eigen.js';
import { DecodePool } from '../../src/images/decode-pool.js';
import { handleFile } from '../../src/server/http/served-file.js';
import { decodeEncodedImages } from '../../src/shards/record-image.js';
import { RecordTable } from '../../src/shards/record-table.js';
import { readIndexFile } from '../../src/tfrecord/record-index.js';
import { RecordScanner } from '../../src/tfrecord/scanner.js';
import { TFRecordWriter } from '../../src/tfrecord/writer.js';
import { writeAnimatedGif } from '../../src/train/outputs/gif.js';
import { writeShardSet } from '../helpers/shard-set.js';

// The errors a caller can meet that were plain Error / RangeError / TypeError before the one
// table of codes: each now has its code and the fields of where, with the message it had.

const dir = await mkdtemp(join(tmpdir(), 'library-errors-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('bad arguments', () => {
  it('a Limiter or DecodePool of no slots: ERR_INVALID_PARAMETER in the one wording', () => {
    expect(() => new Limiter(0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PARAMETER', param: 'max', message: 'Expected a positive integer for max but received 0 of type number' }));
    expect(() => new DecodePool(1.5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PARAMETER', param: 'size', message: 'Expected a positive integer for size but received 1.5 of type number' }));
  });

  it('raw images to decode: ERR_INVALID_PARAMETER naming image.encoding', async () => {
    await expect(decodeEncodedImages([], { feature: 'image/encoded', encoding: 'raw', height: 1, width: 1, channels: 1 }, String)).rejects.toMatchObject({
      code: 'ERR_INVALID_PARAMETER',
      param: 'image.encoding',
      message: 'Expected "jpeg" or "png" (raw images need no decoding) for image.encoding but received "raw" of type string',
    });
  });

  it('feature vectors or a matrix of the wrong size: ERR_OUT_OF_RANGE', () => {
    expect(() => featureStats(new Float64Array(5), 3)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', param: 'features', message: 'featureStats: 5 values are not ≥ 2 vectors of 3' }));
    const a = featureStats(new Float64Array([0, 1, 1, 0]), 2);
    const b = featureStats(new Float64Array([0, 1, 2, 1, 0, 2]), 3);
    expect(() => frechetDistance(a, b)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', param: 'b', message: 'frechetDistance: features of 2 and 3 dims' }));
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', param: 'matrix', message: 'symmetricEigen: 3 values for a 2×2 matrix' }));
  });

  it('a global record id past the table: ERR_OUT_OF_RANGE naming id', async () => {
    const set = await writeShardSet({ dir: await mkdtemp(join(dir, 'set-')), partitions: [{ name: 'train', records: 4, shards: 2 }] });
    const table = await RecordTable.build(set.manifest, ['train'], (name, bytes) => readIndexFile(set.shardPath(`${name}.index`), bytes));
    expect(table.locate(3).shard.name).toBe(set.manifest.partitions[0]!.shards[1]!.name);
    expect(() => table.locate(4)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', param: 'id', message: 'record id 4 is outside [0, 4)' }));
  });
});

describe('calls the state does not allow: ERR_INVALID_STATE naming the object', () => {
  it('a writer closed twice', async () => {
    const path = join(dir, 'twice.tfrecord');
    const w = await TFRecordWriter.create(path);
    await w.write(Buffer.from('x'));
    await w.close();
    await expect(w.close()).rejects.toMatchObject({ code: 'ERR_INVALID_STATE', where: path, message: `${path}: closed twice` });
  });

  it('a scanner fed after its end', () => {
    const scanner = new RecordScanner({ name: 'a.tfrecord' });
    scanner.end();
    expect(() => scanner.feed(Buffer.alloc(1))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE', where: 'a.tfrecord', message: 'a.tfrecord: input after its end' }));
  });
});

describe('files', () => {
  it('a served file that shrank after it was opened: ERR_FILE_CHANGED naming it', async () => {
    const path = join(dir, 'shrinks.tfrecord');
    await writeFile(path, Buffer.alloc(100, 7));
    const handle = await open(path, 'r+');
    try {
      const file = handleFile({ name: 'shrinks.tfrecord', size: 100, etag: '"x"', lastModified: new Date(0), contentType: 'application/octet-stream' }, handle);
      await handle.truncate(60);
      const read = async (): Promise<number> => {
        let n = 0;
        for await (const chunk of file.chunks(0, 99, 40)) n += chunk.length;
        return n;
      };
      await expect(read()).rejects.toMatchObject({ code: 'ERR_FILE_CHANGED', file: 'shrinks.tfrecord', message: 'shrinks.tfrecord: file ended at byte 60, expected 100 bytes' });
    } finally {
      await handle.close();
    }
  });

  it('a worker module not compiled under dist/: ERR_NOT_BUILT naming the file', () => {
    const from = pathToFileURL(join(process.cwd(), 'src', 'core', 'not-a-module.ts')).href;
    const missing = join(process.cwd(), 'dist', 'src', 'core', 'no-such-worker.js');
    expect(() => compiledModuleUrl(from, './no-such-worker.js')).toThrow(expect.objectContaining({ code: 'ERR_NOT_BUILT', file: missing, message: `${missing}: not built (run npm run build)` }));
  });

  it('GIF frames of different sizes: ERR_INVALID_INPUT naming the frame', async () => {
    const frame = (name: string, size: number): Promise<string> => {
      const path = join(dir, name);
      return sharp({ create: { width: size, height: size, channels: 3, background: '#808080' } }).png().toFile(path).then(() => path);
    };
    const [a, b] = [await frame('a.png', 4), await frame('b.png', 5)];
    await expect(writeAnimatedGif(join(dir, 'out.gif'), [a, b])).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT', file: b, message: `${b}: frame is 5×5, the first is 4×4` });
  });
});
