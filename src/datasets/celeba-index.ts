import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import { parseAnnotationText, type AnnotationFormat } from './annotation-file.js';

/** The CelebA partitions, in the order of their codes in `list_eval_partition.txt` (0, 1, 2). */
export const CELEBA_PARTITIONS = ['train', 'val', 'test'] as const;
/** A CelebA partition name. */
export type CelebaPartition = (typeof CELEBA_PARTITIONS)[number];

/** The per-image annotation tables (besides the partition list). */
export type AnnotationName = 'bbox' | 'landmarks' | 'landmarksAlign' | 'attributes' | 'identity';

/** Where each annotation file lives under the CelebA root, and its shape. */
export const CELEBA_ANNOTATIONS: Readonly<Record<AnnotationName | 'partition', { readonly path: string } & AnnotationFormat>> = {
  partition: { path: 'Eval/list_eval_partition.txt', header: false, columns: 1, integers: true },
  bbox: { path: 'Anno/list_bbox_celeba.txt', header: true, columns: 4 },
  landmarks: { path: 'Anno/list_landmarks_celeba.txt', header: true, columns: 10 },
  landmarksAlign: { path: 'Anno/list_landmarks_align_celeba.txt', header: true, columns: 10 },
  attributes: { path: 'Anno/list_attr_celeba.txt', header: true, columns: 40 },
  identity: { path: 'Anno/identity_CelebA.txt', header: false, columns: 1, integers: true },
};

const TABLES: readonly AnnotationName[] = ['bbox', 'landmarks', 'landmarksAlign', 'attributes', 'identity'];

/** One annotation file loaded for the images of the partition list, row `i` for image `i`. */
export interface AnnotationTable {
  readonly name: AnnotationName;
  /** Path as opened. */
  readonly file: string;
  readonly columns: number;
  /** `columns` values per image (float32 holds CelebA's integers exactly; the -1/1 attributes are int8). */
  readonly values: Float32Array | Int8Array;
  /** 1 where the file has a row for the image. */
  readonly present: Uint8Array;
}

/** Everything known about a CelebA folder before any image is read. */
export interface CelebaIndex {
  readonly root: string;
  /** Image names (`000001.jpg`) sorted by image id. */
  readonly images: readonly string[];
  /** Partition code (0 train, 1 val, 2 test) of each image. */
  readonly partitionOf: Uint8Array;
  /** The annotation files that exist; a missing optional one is absent. */
  readonly tables: Readonly<Partial<Record<AnnotationName, AnnotationTable>>>;
  /** sha256 over the bytes of every file loaded, so a resumed run notices changed annotations. */
  readonly digest: string;
}

/** Options of {@link loadCelebaIndex}. */
export interface LoadCelebaIndexOptions {
  readonly root: string;
  /** Annotation files that must exist, each with why (e.g. `--bbox`). */
  readonly required?: Readonly<Partial<Record<AnnotationName, string>>>;
  /** Told about each optional annotation file that is missing. */
  readonly onMissing?: (name: AnnotationName, file: string) => void;
}

/**
 * Read the partition list and the annotation files of a CelebA folder. The partition list and
 * the `required` files must exist (checked before anything is parsed); others are optional.
 */
export async function loadCelebaIndex(options: LoadCelebaIndexOptions): Promise<CelebaIndex> {
  const { root } = options;
  const required = options.required ?? {};
  const pathOf = (name: AnnotationName | 'partition'): string => join(root, CELEBA_ANNOTATIONS[name].path);
  // Existence first, so that a missing required file fails before anything is parsed.
  const exists = async (path: string): Promise<boolean> => {
    try {
      return (await stat(path)).isFile();
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new InvalidInputError(path, `cannot read: ${(cause as Error).message}`, { cause });
    }
  };
  if (!(await exists(pathOf('partition')))) throw new InvalidInputError(pathOf('partition'), 'the partition list is missing (every conversion needs it)');
  const present: AnnotationName[] = [];
  for (const name of TABLES) {
    if (await exists(pathOf(name))) present.push(name);
    else if (required[name] !== undefined) throw new InvalidInputError(pathOf(name), `the annotation file is missing (needed by ${required[name]})`);
  }

  // One file at a time: the full CelebA's files hold ~60 MB of text.
  const hash = createHash('sha256');
  const read = async (name: AnnotationName | 'partition'): Promise<string> => {
    const path = pathOf(name);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw new InvalidInputError(path, `cannot read: ${(cause as Error).message}`, { cause });
    }
    hash.update(`${name}\0${bytes.length}\0`).update(bytes);
    return bytes.toString('latin1');
  };

  const partitionFile = pathOf('partition');
  const rows: { image: string; partition: number }[] = [];
  const listed = new Set<string>();
  parseAnnotationText(await read('partition'), partitionFile, CELEBA_ANNOTATIONS.partition, (image, values, line) => {
    const p = values[0]!;
    if (p !== 0 && p !== 1 && p !== 2) throw new InvalidInputError(partitionFile, `line ${line}: expected partition 0, 1 or 2 but found ${p}`);
    if (listed.has(image)) throw new InvalidInputError(partitionFile, `line ${line}: ${image} is listed twice`);
    listed.add(image);
    rows.push({ image, partition: p });
  });
  listed.clear();
  rows.sort((a, b) => compareImageNames(a.image, b.image));
  const images = rows.map((r) => r.image);
  const partitionOf = Uint8Array.from(rows, (r) => r.partition);
  rows.length = 0;
  const position = new Map<string, number>();
  images.forEach((image, i) => position.set(image, i));

  const tables: Partial<Record<AnnotationName, AnnotationTable>> = {};
  for (const name of TABLES) {
    const file = pathOf(name);
    if (!present.includes(name)) {
      options.onMissing?.(name, file);
      continue;
    }
    const { columns } = CELEBA_ANNOTATIONS[name];
    // CelebA's attributes are -1/1: a byte each instead of a float saves 24 MB on the full dataset.
    const values = name === 'attributes' ? new Int8Array(images.length * columns) : new Float32Array(images.length * columns);
    const has = new Uint8Array(images.length);
    parseAnnotationText(await read(name), file, CELEBA_ANNOTATIONS[name], (image, row, line) => {
      const i = position.get(image);
      if (i === undefined) return; // an image outside the partition list is never converted
      if (has[i] === 1) throw new InvalidInputError(file, `line ${line}: ${image} is listed twice`);
      values.set(row, i * columns);
      has[i] = 1;
    });
    tables[name] = { name, file, columns, values, present: has };
  }
  return { root, images, partitionOf, tables, digest: hash.digest('hex') };
}

/** The values of `table` for image `i`, or undefined when the file has no row for it. */
export function annotationRow(table: AnnotationTable, i: number): Float32Array | Int8Array | undefined {
  if (table.present[i] !== 1) return undefined;
  return table.values.subarray(i * table.columns, (i + 1) * table.columns);
}

/** Order of image names: by numeric id when both stems are numbers (`000002.jpg` < `000010.jpg`), else by text. */
export function compareImageNames(a: string, b: string): number {
  const na = /^(\d+)\./.exec(a);
  const nb = /^(\d+)\./.exec(b);
  if (na && nb) {
    const d = Number(na[1]) - Number(nb[1]);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
