import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIdx } from '../../src/datasets/idx-file.js';
import { loadMnist } from '../../src/datasets/mnist-source.js';
import { parseNpy } from '../../src/datasets/npy-file.js';
import { readZip } from '../../src/datasets/zip-reader.js';
import { MNIST_FIXTURE, tempDir } from './helpers.js';

function idx(ndims: number, dims: number[], data: number[], magicType = 0x08): Buffer {
  const b = Buffer.alloc(4 + 4 * ndims + data.length);
  b[2] = magicType;
  b[3] = ndims;
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  Buffer.from(data).copy(b, 4 + 4 * ndims);
  return b;
}

describe('parseIdx', () => {
  it('reads dimensions and data', () => {
    const parsed = parseIdx(idx(3, [2, 1, 2], [1, 2, 3, 4]), 'f', 3);
    expect(parsed.dims).toEqual([2, 1, 2]);
    expect([...parsed.data]).toEqual([1, 2, 3, 4]);
  });
  it('rejects a wrong magic', () => {
    expect(() => parseIdx(idx(1, [2], [1, 2]), 'labels', 3)).toThrow('labels: expected the IDX magic 0x00000803 (unsigned bytes, 3 dimensions) but found 0x00000801');
    expect(() => parseIdx(idx(1, [2], [1, 2], 0x0d), 'labels', 1)).toThrow('labels: expected the IDX magic 0x00000801 (unsigned bytes, 1 dimension) but found 0x00000d01');
  });
  it('rejects counts that disagree with the file length', () => {
    expect(() => parseIdx(idx(3, [3, 1, 2], [1, 2, 3, 4]), 'images', 3)).toThrow('images: the header says 3×1×2 (6 bytes of data) but the file holds 4');
  });
});

describe('parseNpy', () => {
  const npy = (header: string, body: Buffer) => {
    const h = Buffer.from(`${header}\n`, 'latin1');
    const head = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, h.length & 0xff, h.length >> 8]);
    return Buffer.concat([head, h, body]);
  };
  it('reads uint8 arrays and converts int64 labels', () => {
    expect(parseNpy(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", Buffer.from([1, 2, 3, 4])), 'x').shape).toEqual([2, 2]);
    const body = Buffer.alloc(16);
    body.writeBigInt64LE(7n, 0);
    body.writeBigInt64LE(3n, 8);
    expect([...parseNpy(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", body), 'y').data]).toEqual([7, 3]);
  });
  it('rejects unsupported dtypes and short data', () => {
    expect(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", Buffer.alloc(4)), 'x.npy')).toThrow('x.npy: dtype <f4 is not supported');
    expect(() => parseNpy(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", Buffer.alloc(2)), 'x.npy')).toThrow('x.npy: shape (3) of |u1 needs 3 bytes but the array holds 2');
    expect(() => parseNpy(Buffer.from('hello world'), 'x.npy')).toThrow('x.npy: not a .npy array (bad magic)');
  });
});

describe('readZip', () => {
  it('reads the fixture npz: deflated and stored entries, Zip64 extra fields', async () => {
    const entries = readZip(await readFile(join(MNIST_FIXTURE, 'mnist.npz')), 'mnist.npz');
    expect([...entries.keys()]).toEqual(['x_train.npy', 'y_train.npy', 'x_test.npy', 'y_test.npy']);
  });
  it('detects a corrupted entry', async () => {
    const bytes = Buffer.from(await readFile(join(MNIST_FIXTURE, 'mnist.npz')));
    // y_train.npy is stored: flip a byte of its data, which follows its name in the local header
    const at = bytes.indexOf(Buffer.from('y_train.npy')) + 11 + 20;
    bytes[at]! ^= 0xff;
    expect(() => readZip(bytes, 'mnist.npz')).toThrow('mnist.npz: not a readable zip archive: y_train.npy: CRC mismatch');
  });
  it('rejects a file that is not a zip', () => {
    expect(() => readZip(Buffer.alloc(100), 'x.npz')).toThrow('x.npz: not a readable zip archive: no end-of-central-directory record');
  });
});

describe('loadMnist', () => {
  it('reads IDX files (raw and .gz) and the npz to the same arrays', async () => {
    const idxData = await loadMnist(MNIST_FIXTURE, ['train', 'test']);
    const npz = await loadMnist(join(MNIST_FIXTURE, 'mnist.npz'), ['train', 'test']);
    expect(idxData.kind).toBe('idx');
    expect(npz.kind).toBe('npz');
    for (const p of ['train', 'test'] as const) {
      expect(npz.splits[p]!.images).toEqual(idxData.splits[p]!.images);
      expect([...npz.splits[p]!.labels]).toEqual([...idxData.splits[p]!.labels]);
    }
    expect(idxData.splits.train).toMatchObject({ count: 20, rows: 28, cols: 28 });
    expect([...idxData.splits.test!.labels]).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(npz.digest).toBe(idxData.digest);
  });

  it('rejects images and labels of different counts, naming both files', async () => {
    const dir = await tempDir();
    await copyFile(join(MNIST_FIXTURE, 'train-images-idx3-ubyte'), join(dir, 'train-images-idx3-ubyte'));
    await writeFile(join(dir, 'train-labels-idx1-ubyte'), idx(1, [19], Array.from({ length: 19 }, () => 1)));
    await expect(loadMnist(dir, ['train'])).rejects.toThrow(`${join(dir, 'train-images-idx3-ubyte')}: holds 20 images but ${join(dir, 'train-labels-idx1-ubyte')} holds 19 labels`);
  });

  it('names the files it looked for when one is missing', async () => {
    const dir = await tempDir();
    await expect(loadMnist(dir, ['test'])).rejects.toThrow(`${dir}: no t10k-images file (looked for t10k-images-idx3-ubyte[.gz], t10k-images.idx3-ubyte[.gz])`);
  });

  it('rejects a source that is neither a folder nor an npz', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'x.bin'), 'hello');
    await expect(loadMnist(join(dir, 'x.bin'), ['train'])).rejects.toThrow(`${join(dir, 'x.bin')}: expected a folder of IDX files or an .npz archive`);
    await expect(loadMnist(join(dir, 'nope'), ['train'])).rejects.toThrow(`${join(dir, 'nope')}: cannot open the MNIST source: ENOENT`);
  });
});
