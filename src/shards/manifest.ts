import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import type { FeatureKind } from '../tfrecord/example/index.js';
import type { ShardSummary } from '../tfrecord/writer.js';

/** File name of a shard set's manifest. */
export const MANIFEST_FILE = 'manifest.json';
/** Version of the shard-set layout written here. */
export const FORMAT_VERSION = 1;

/** One partition (split) of a shard set: its shards in record order. */
export interface ManifestPartition {
  /** `train`, `val`, `test`, ... */
  readonly name: string;
  readonly records: number;
  readonly shards: readonly ShardSummary[];
}

/** Type and shape of one feature key (`shape` [] is a scalar, -1 a variable dimension). */
export interface FeatureSpec {
  readonly type: FeatureKind;
  readonly shape: readonly number[];
}

/** How images are stored. `height`/`width` are null when they vary (e.g. `--size 0`). */
export interface ManifestImage {
  /** The feature key that holds the encoded image. */
  readonly feature: string;
  readonly height: number | null;
  readonly width: number | null;
  readonly channels: number;
  readonly encoding: 'jpeg' | 'png' | 'raw';
}

/** An input that a converter skipped, and why. */
export interface SkippedInput {
  readonly input: string;
  readonly partition?: string;
  readonly reason: string;
}

/** `manifest.json` of a shard set (DESIGN §3). */
export interface Manifest {
  readonly dataset: string;
  readonly format_version: number;
  readonly partitions: readonly ManifestPartition[];
  readonly features: Readonly<Record<string, FeatureSpec>>;
  readonly image: ManifestImage;
  /** The options the converter ran with. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly skipped: readonly SkippedInput[];
  /** Tool and version that wrote it. */
  readonly created_by: string;
}

/** Validate parsed JSON as a manifest; `source` names the file or URL in errors. */
export function parseManifest(value: unknown, source: string): Manifest {
  const fail = (what: string): never => {
    throw new InvalidInputError(source, `not a shardstream manifest: ${what}`);
  };
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const m = value as Record<string, unknown>;
  if (typeof m.dataset !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(m.dataset)) fail('"dataset" must be a name of letters, digits, _ . -');
  if (m.format_version !== FORMAT_VERSION) fail(`"format_version" must be ${FORMAT_VERSION}`);
  if (!Array.isArray(m.partitions) || m.partitions.length === 0) fail('"partitions" must be a non-empty array');
  const seen = new Set<string>();
  for (const p of m.partitions as unknown[]) {
    const part = p as Record<string, unknown>;
    if (typeof part.name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(part.name)) fail('a partition has no valid "name"');
    if (seen.has(part.name as string)) fail(`partition ${String(part.name)} is listed twice`);
    seen.add(part.name as string);
    if (!Array.isArray(part.shards)) fail(`partition ${String(part.name)} has no "shards" array`);
    let sum = 0;
    for (const s of part.shards as unknown[]) {
      const shard = s as Record<string, unknown>;
      if (typeof shard.name !== 'string' || !isSafeFileName(shard.name)) fail(`partition ${String(part.name)} lists a shard with an unsafe name`);
      if (!isCount(shard.records) || !isCount(shard.bytes)) fail(`shard ${String(shard.name)} needs integer "records" and "bytes"`);
      if (typeof shard.sha256 !== 'string') fail(`shard ${String(shard.name)} needs "sha256"`);
      sum += shard.records as number;
    }
    if (part.records !== sum) fail(`partition ${String(part.name)} says ${String(part.records)} records but its shards hold ${sum}`);
  }
  if (typeof m.image !== 'object' || m.image === null) fail('"image" is missing');
  if (typeof m.features !== 'object' || m.features === null) fail('"features" is missing');
  return value as Manifest;
}

/** A shard or index file name that is safe to join to a folder: no separators, no dot-dot, no NUL. */
export function isSafeFileName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) && !name.includes('..') && name.length <= 255;
}

function isCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Read and validate `<dir>/manifest.json`. */
export async function readManifestFile(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new InvalidInputError(path, `cannot read the manifest: ${(cause as Error).message}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError(path, `invalid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseManifest(json, path);
}

/** The partitions named in `names`, in that order; an unknown name is an error naming it. */
export function selectPartitions(manifest: Manifest, names: readonly string[], source = 'manifest'): ManifestPartition[] {
  return names.map((n) => {
    const p = manifest.partitions.find((q) => q.name === n);
    if (!p) throw new InvalidInputError(source, `dataset ${manifest.dataset} has no partition ${JSON.stringify(n)} (it has ${manifest.partitions.map((q) => q.name).join(', ')})`);
    return p;
  });
}
