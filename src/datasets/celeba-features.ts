import { bytesFeature, floatFeature, int64Feature, type Example, type Feature } from '../tfrecord/example/index.js';
import type { FeatureSpec } from '../shards/manifest.js';
import type { AnnotationName } from './celeba-index.js';
import type { ImageEncoding } from './image-transform.js';
import type { CelebaImageType, CelebaLayout } from './celeba-choices.js';

export { CELEBA_IMAGE_TYPES, CELEBA_LAYOUTS, type CelebaImageType, type CelebaLayout } from './celeba-choices.js';

/** What one record is made of. */
export interface CelebaRecordContext {
  /** Annotation name of the image, `000001.jpg`. */
  readonly image: string;
  /** The file that was read, `000001.jpg` or `000001.png`. */
  readonly filename: string;
  /** 0 train, 1 val, 2 test. */
  readonly partition: number;
  readonly encoded: Uint8Array;
  readonly encoding: ImageEncoding;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** The annotation row of each table present. */
  readonly rows: Readonly<Partial<Record<AnnotationName, Float32Array | Int8Array>>>;
  /** The face box in the stored image's pixels (see {@link seedBox}). */
  readonly storedBox: readonly number[];
}

interface FeatureDef {
  readonly key: string;
  readonly spec: FeatureSpec;
  /** The annotation table the feature comes from, if any (left out when it is missing). */
  readonly table?: AnnotationName;
  readonly value: (ctx: CelebaRecordContext) => Feature;
}

const row = (ctx: CelebaRecordContext, table: AnnotationName): number[] => Array.from(ctx.rows[table]!);
// CelebA's attributes are -1/1; both layouts store 0/1 as the reference writer does.
const attributes = (ctx: CelebaRecordContext): Feature => floatFeature(...row(ctx, 'attributes').map((v) => (v > 0 ? 1 : 0)));
const EMPTY = new Uint8Array(0);

const CANONICAL: readonly FeatureDef[] = [
  { key: 'image/encoded', spec: { type: 'bytes', shape: [] }, value: (c) => bytesFeature(c.encoded) },
  { key: 'image/format', spec: { type: 'bytes', shape: [] }, value: (c) => bytesFeature(c.encoding) },
  { key: 'image/height', spec: { type: 'int64', shape: [] }, value: (c) => int64Feature(c.height) },
  { key: 'image/width', spec: { type: 'int64', shape: [] }, value: (c) => int64Feature(c.width) },
  { key: 'image/channels', spec: { type: 'int64', shape: [] }, value: (c) => int64Feature(c.channels) },
  { key: 'image/filename', spec: { type: 'bytes', shape: [] }, value: (c) => bytesFeature(c.filename) },
  { key: 'celeba/partition', spec: { type: 'int64', shape: [] }, value: (c) => int64Feature(c.partition) },
  { key: 'celeba/bbox', spec: { type: 'float', shape: [4] }, table: 'bbox', value: (c) => floatFeature(...row(c, 'bbox')) },
  { key: 'celeba/landmarks', spec: { type: 'float', shape: [10] }, table: 'landmarks', value: (c) => floatFeature(...row(c, 'landmarks')) },
  { key: 'celeba/landmarks_align', spec: { type: 'float', shape: [10] }, table: 'landmarksAlign', value: (c) => floatFeature(...row(c, 'landmarksAlign')) },
  { key: 'celeba/attributes', spec: { type: 'float', shape: [40] }, table: 'attributes', value: attributes },
  { key: 'celeba/identity', spec: { type: 'int64', shape: [] }, table: 'identity', value: (c) => int64Feature(row(c, 'identity')[0]!) },
];

function seedDefs(imageType: CelebaImageType): readonly FeatureDef[] {
  const stem = (c: CelebaRecordContext): string => c.image.replace(/\.[^.]*$/, '');
  const encoded = (type: CelebaImageType) => (c: CelebaRecordContext) => bytesFeature(type === imageType ? c.encoded : EMPTY);
  // Key order, shapes and the empty strings for the image folders not converted follow the
  // reference writer and its loader's IMAGE_FEATURE_MAP (FixedLenFeature: every key must be present).
  return [
    { key: 'image/img_celeba/filename', spec: { type: 'bytes', shape: [] }, value: (c) => bytesFeature(`${stem(c)}.jpg`) },
    { key: 'image/img_align_celeba/filename', spec: { type: 'bytes', shape: [] }, value: (c) => bytesFeature(`${stem(c)}.jpg`) },
    { key: 'image/img_align_celeba_png/filename', spec: { type: 'bytes', shape: [] }, value: (c) => bytesFeature(`${stem(c)}.png`) },
    { key: 'image/img_celeba/encoded', spec: { type: 'bytes', shape: [] }, value: encoded('img_celeba') },
    { key: 'image/img_align_celeba/encoded', spec: { type: 'bytes', shape: [] }, value: encoded('img_align_celeba') },
    { key: 'image/img_align_celeba_png/encoded', spec: { type: 'bytes', shape: [] }, value: encoded('img_align_celeba_png') },
    { key: 'image/ID', spec: { type: 'int64', shape: [1] }, table: 'identity', value: (c) => int64Feature(row(c, 'identity')[0]!) },
    { key: 'image/Attr', spec: { type: 'float', shape: [40] }, table: 'attributes', value: attributes },
    { key: 'image/Landmarks', spec: { type: 'float', shape: [10] }, table: 'landmarks', value: (c) => floatFeature(...row(c, 'landmarks')) },
    { key: 'image/LandmarksAlign', spec: { type: 'float', shape: [10] }, table: 'landmarksAlign', value: (c) => floatFeature(...row(c, 'landmarksAlign')) },
    { key: 'image/img_celeba/bbox', spec: { type: 'float', shape: [4] }, table: 'bbox', value: (c) => floatFeature(...c.storedBox) },
  ];
}

/** The feature definitions of a layout, restricted to the annotation tables present. */
export class CelebaFeatures {
  private readonly defs: readonly FeatureDef[];

  constructor(layout: CelebaLayout, imageType: CelebaImageType, tables: ReadonlySet<AnnotationName>) {
    const all = layout === 'seed' ? seedDefs(imageType) : CANONICAL;
    this.defs = all.filter((d) => d.table === undefined || tables.has(d.table));
  }

  /** The feature schema for the manifest, in record order. */
  schema(): Record<string, FeatureSpec> {
    return Object.fromEntries(this.defs.map((d) => [d.key, d.spec]));
  }

  /** The Example of one image. */
  example(ctx: CelebaRecordContext): Example {
    const out: Example = {};
    for (const d of this.defs) out[d.key] = d.value(ctx);
    return out;
  }
}

/** The annotation tables every seed-layout record needs (its loader has no defaults). */
export const SEED_TABLES: readonly AnnotationName[] = ['bbox', 'landmarks', 'landmarksAlign', 'attributes', 'identity'];

/**
 * The annotated face box expressed in the stored image's pixels, for the seed layout's
 * `image/img_celeba/bbox`, which the reference loader crops with when run with `--bbox`:
 * after a bbox crop it is the whole stored image; after a plain resize it is scaled; for the
 * aligned folders (where the box does not apply) it is the annotation as the reference writes it.
 */
export function seedBox(box: Float32Array | Int8Array | undefined, imageType: CelebaImageType, crop: boolean, stored: { width: number; height: number }, source: { width: number; height: number }): number[] {
  if (!box) return [0, 0, stored.width, stored.height];
  if (imageType !== 'img_celeba') return Array.from(box);
  if (crop) return [0, 0, stored.width, stored.height];
  const sx = stored.width / source.width;
  const sy = stored.height / source.height;
  return [box[0]! * sx, box[1]! * sy, box[2]! * sx, box[3]! * sy];
}
