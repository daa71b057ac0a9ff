import { join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import { MANIFEST_FILE, selectPartitions } from '../shards/manifest.js';
import { decodeExampleImages } from '../shards/record-image.js';
import { decodeExample, getInt, type Example } from '../tfrecord/example/index.js';
import { readRecords } from '../tfrecord/reader.js';
import { readMnistManifest } from './mnist-manifest.js';

/** Feature key of the digit of an MNIST record (DESIGN §3). */
export const MNIST_LABEL_KEY = 'mnist/label';

/** Labelled digits of one partition, as stored: uint8 pixels, n × side × side, one channel. */
export interface Digits {
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
  /** Side of the stored images. */
  readonly side: number;
}

/** Options of {@link readDigits}. */
export interface ReadDigitsOptions {
  /** A local MNIST shard-set folder (mnist-convert's output). */
  readonly dir: string;
  /** `train` or `test`. */
  readonly partition: string;
  /** Read only the first N records of the partition. @default all */
  readonly limit?: number;
}

/** Read the digits and labels of one partition of an MNIST shard set, in record order. */
export async function readDigits(options: ReadDigitsOptions): Promise<Digits> {
  const manifest = await readMnistManifest(options.dir);
  const [partition] = selectPartitions(manifest, [options.partition], join(options.dir, MANIFEST_FILE));
  const side = manifest.image.height!;
  const count = Math.min(partition!.records, options.limit ?? Infinity);
  const pixels = new Uint8Array(count * side * side);
  const labels = new Uint8Array(count);
  let n = 0;
  const flush = async (examples: Example[], names: string[]): Promise<void> => {
    const images = await decodeExampleImages(examples, manifest.image, (i) => names[i]!);
    images.forEach((image, i) => {
      if (image.height !== side || image.width !== side) throw new InvalidInputError(names[i]!, `image of ${image.height}×${image.width}, the manifest says ${side}×${side}`);
      pixels.set(image.pixels, (n + i) * side * side);
      const label = getInt(examples[i]!, MNIST_LABEL_KEY, names[i]!);
      if (!Number.isInteger(label) || label < 0 || label > 9) throw new InvalidInputError(names[i]!, `${MNIST_LABEL_KEY} is ${label}, not a digit 0-9`);
      labels[n + i] = label;
    });
    n += images.length;
  };
  for (const shard of partition!.shards) {
    if (n >= count) break;
    const path = join(options.dir, shard.name);
    let examples: Example[] = [];
    let names: string[] = [];
    for await (const entry of readRecords(path)) {
      if (n + examples.length >= count) break;
      const name = `${path} @ record ${entry.index}`;
      examples.push(decodeExample(entry.data, name));
      names.push(name);
      if (examples.length === 1024) {
        await flush(examples, names);
        examples = [];
        names = [];
      }
    }
    await flush(examples, names);
  }
  if (n < count) throw new InvalidInputError(join(options.dir, MANIFEST_FILE), `partition ${options.partition} lists ${count} records, its shards hold ${n}`);
  return { pixels, labels, count, side };
}
