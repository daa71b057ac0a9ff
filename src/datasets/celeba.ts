import { join } from 'node:path';
import { definedOnly } from '../core/defined-only.js';
import { InvalidParameterError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';
import { encodeExample } from '../tfrecord/example/index.js';
import { CelebaFeatures, CELEBA_IMAGE_TYPES, CELEBA_LAYOUTS, SEED_TABLES, seedBox, type CelebaImageType, type CelebaLayout } from './celeba-features.js';
import { annotationRow, CELEBA_ANNOTATIONS, CELEBA_PARTITIONS, loadCelebaIndex, type AnnotationName, type CelebaIndex, type CelebaPartition } from './celeba-index.js';
import { IMAGE_ENCODINGS, transformImage, zeroAreaReason, type BBox, type ImageEncoding } from './image-transform.js';
import { checkCommonOptions, defaultWorkers, readImageFile } from './options.js';
import { CELEBA_DEFAULTS } from './celeba-choices.js';
import type { ConvertOutcome, PartitionInputs, ShardSetReport } from './shard-set-builder.js';
import { convertShardSet } from './convert-shard-set.js';

/** Options of {@link convertCeleba}. */
export interface CelebaConvertOptions {
  /** The CelebA folder (with `Img/`, `Anno/`, `Eval/`). */
  readonly root: string;
  /** Output folder of the shard set. */
  readonly out: string;
  /** `all` writes train, val and test, each in its own shards. @default 'all' */
  readonly partition?: CelebaPartition | 'all';
  /** @default 'img_celeba' */
  readonly imageType?: CelebaImageType;
  /** Crop each in-the-wild image to its bounding box (only with `img_celeba`). @default false */
  readonly bbox?: boolean;
  /** Resize to size×size; 0 keeps the (cropped) size. @default 64 */
  readonly size?: number;
  /** @default 'jpeg' */
  readonly format?: ImageEncoding;
  /** JPEG quality 1–100. @default 95 (TensorFlow's `encode_jpeg` default) */
  readonly quality?: number;
  /** Shards per partition; overrides `shardSizeMb`. */
  readonly shards?: number;
  /** Target shard size in MiB. @default 100 */
  readonly shardSizeMb?: number;
  /** @default 'canonical' */
  readonly layout?: CelebaLayout;
  /** Images converted at once. @default {@link defaultWorkers} (2 per core, at most the libuv pool size) */
  readonly workers?: number;
  /** Convert only the first N images (by id) of each partition. */
  readonly limit?: number;
  readonly progress?: ProgressSink;
  /** Told about non-fatal problems (e.g. a missing optional annotation file). */
  readonly onWarning?: (message: string) => void;
}

export { CELEBA_DEFAULTS } from './celeba-choices.js';

type Resolved = Required<Pick<CelebaConvertOptions, 'root' | 'out' | 'partition' | 'imageType' | 'bbox' | 'size' | 'format' | 'quality' | 'layout' | 'workers'>> &
  Pick<CelebaConvertOptions, 'shards' | 'shardSizeMb' | 'limit'>;

/** Apply the defaults and check every option; a bad one is an {@link InvalidParameterError} naming it. */
export function resolveCelebaOptions(options: CelebaConvertOptions): Resolved {
  const o: Resolved = {
    root: options.root,
    out: options.out,
    partition: options.partition ?? CELEBA_DEFAULTS.partition,
    imageType: options.imageType ?? CELEBA_DEFAULTS.imageType,
    bbox: options.bbox ?? CELEBA_DEFAULTS.bbox,
    size: options.size ?? CELEBA_DEFAULTS.size,
    format: options.format ?? CELEBA_DEFAULTS.format,
    quality: options.quality ?? CELEBA_DEFAULTS.quality,
    layout: options.layout ?? CELEBA_DEFAULTS.layout,
    workers: options.workers ?? defaultWorkers(),
    ...definedOnly({ shards: options.shards, shardSizeMb: options.shardSizeMb, limit: options.limit }),
  };
  if (typeof o.root !== 'string' || o.root === '') throw new InvalidParameterError('root', 'a folder path', o.root);
  if (!['all', ...CELEBA_PARTITIONS].includes(o.partition)) throw new InvalidParameterError('partition', `one of all, ${CELEBA_PARTITIONS.join(', ')}`, o.partition);
  if (!CELEBA_IMAGE_TYPES.includes(o.imageType)) throw new InvalidParameterError('imageType', `one of ${CELEBA_IMAGE_TYPES.join(', ')}`, o.imageType);
  if (o.bbox && o.imageType !== 'img_celeba') {
    throw new InvalidParameterError('bbox', 'imageType img_celeba (bounding boxes are given for the in-the-wild images)', o.imageType);
  }
  if (!IMAGE_ENCODINGS.includes(o.format)) throw new InvalidParameterError('format', `one of ${IMAGE_ENCODINGS.join(', ')}`, o.format);
  if (!CELEBA_LAYOUTS.includes(o.layout)) throw new InvalidParameterError('layout', `one of ${CELEBA_LAYOUTS.join(', ')}`, o.layout);
  if (o.layout === 'seed' && o.format === 'raw') throw new InvalidParameterError('format', 'jpeg or png with layout seed (the reference loader decodes JPEG/PNG)', o.format);
  if (!(Number.isInteger(o.quality) && o.quality >= 1 && o.quality <= 100)) throw new InvalidParameterError('quality', 'an integer from 1 to 100', o.quality);
  checkCommonOptions(o);
  return o;
}

/** Convert a CelebA folder into a shard set (DESIGN §3); see the README for the options. */
export async function convertCeleba(options: CelebaConvertOptions): Promise<ShardSetReport> {
  const o = resolveCelebaOptions(options);
  const required: Partial<Record<AnnotationName, string>> = {};
  if (o.layout === 'seed') for (const name of SEED_TABLES) required[name] = '--layout seed: the reference loader needs every feature';
  if (o.bbox) required.bbox = '--bbox';
  const index = await loadCelebaIndex({
    root: o.root,
    required,
    onMissing: (_name, file) => options.onWarning?.(`${file} is missing: its features are left out`),
  });
  const tables = Object.values(index.tables);
  const features = new CelebaFeatures(o.layout, o.imageType, new Set(tables.map((t) => t.name)));
  const partitions = o.partition === 'all' ? [...CELEBA_PARTITIONS] : [o.partition];
  return convertShardSet({
    dataset: 'celeba',
    options: o,
    partitions: partitions.map((name) => celebaPartition(index, o, features, name)),
    fingerprint: [index.digest, o.imageType, o.bbox, o.size, o.format, o.quality, o.layout],
    features: features.schema(),
    image: {
      feature: o.layout === 'seed' ? `image/${o.imageType}/encoded` : 'image/encoded',
      height: o.size > 0 ? o.size : null,
      width: o.size > 0 ? o.size : null,
      channels: 3,
      encoding: o.format,
    },
    manifestOptions: { partition: o.partition, image_type: o.imageType, bbox: o.bbox, size: o.size, format: o.format, quality: o.quality, layout: o.layout },
    progress: options.progress,
  });
}

function celebaPartition(index: CelebaIndex, o: Resolved, features: CelebaFeatures, name: CelebaPartition): PartitionInputs {
  const code = CELEBA_PARTITIONS.indexOf(name);
  let members: number[] = [];
  for (let i = 0; i < index.images.length; i++) if (index.partitionOf[i] === code) members.push(i);
  if (o.limit !== undefined) members = members.slice(0, o.limit);
  const tables = Object.values(index.tables);
  const fileOf = (i: number): string => {
    const image = index.images[i]!;
    return o.imageType === 'img_align_celeba_png' ? image.replace(/\.[^.]*$/, '') + '.png' : image;
  };

  return {
    name,
    count: members.length,
    inputName: (k) => fileOf(members[k]!),
    async convert(k): Promise<ConvertOutcome> {
      const i = members[k]!;
      const rows: Partial<Record<AnnotationName, Float32Array | Int8Array>> = {};
      for (const table of tables) {
        const row = annotationRow(table, i);
        if (!row) return { skip: `no annotation row in ${CELEBA_ANNOTATIONS[table.name].path}` };
        rows[table.name] = row;
      }
      let crop: BBox | undefined;
      if (o.bbox) {
        const b = rows.bbox!;
        crop = { x: b[0]!, y: b[1]!, width: b[2]!, height: b[3]! };
        // Before reading the file: a zero-area box needs no image to be rejected.
        const zero = zeroAreaReason(crop);
        if (zero !== undefined) return { skip: zero };
      }
      const filename = fileOf(i);
      const file = await readImageFile(join(index.root, 'Img', o.imageType, filename), `Img/${o.imageType}/${filename}`);
      if ('skip' in file) return file;
      const t = await transformImage(file.bytes, { ...(crop ? { crop } : {}), size: o.size, encoding: o.format, quality: o.quality, channels: 3 });
      if (!t.ok) return { skip: t.reason };
      const example = features.example({
        image: index.images[i]!,
        filename,
        partition: code,
        encoded: t.encoded,
        encoding: o.format,
        width: t.width,
        height: t.height,
        channels: 3,
        rows,
        storedBox: seedBox(rows.bbox, o.imageType, o.bbox, t, { width: t.sourceWidth, height: t.sourceHeight }),
      });
      return { record: encodeExample(example) };
    },
  };
}
