/**
 * Test helper: write a small synthetic shard set (DESIGN §3) with the core API, fast.
 *
 * ```ts
 * const set = await writeShardSet({ encoding: 'png' });   // 48 train (3 shards) + 16 val (2 shards), 8×8×3
 * set.dir                     // folder with manifest.json, shards and .index files
 * set.manifest                // the Manifest written
 * set.records                 // 64: records over all partitions
 * set.pixels(id)              // the source pixels (uint8 HWC) of record `id`
 * set.manifestId(['val', 'train'], 3)   // stream id under a partition order → manifest-order id
 * set.shardPath(name)         // absolute path of a shard (or index) file
 * await set.corruptRecord(5)  // flip one data byte of record 5 (its data CRC no longer matches)
 * await set.cleanup()         // remove the folder (only when the helper created it)
 * ```
 *
 * Ids: records are numbered in manifest order (partition, then shard, then position) — the
 * "manifest-order id". A stream over partitions in another order numbers them in that order
 * (DESIGN §4); {@link SyntheticShardSet.manifestId} converts.
 *
 * Every record is a tf.train.Example with the canonical keys `image/encoded`, `image/format`,
 * `image/height`, `image/width`, `image/channels`, `image/filename` (`<id>.png` …) and
 * `synth/id` (int64, the manifest-order id), so a test can tell which record it holds.
 *
 * Pixels: a smooth gradient over a per-record base colour, so JPEG reproduces it within a few
 * levels; for `png` and `raw` the first pixel also spells the id (bytes id, id>>8, id>>16), so
 * the pixels of two records always differ. JPEG is lossy: compare with a tolerance
 * (`set.exact` is false), e.g. {@link meanAbsDiff} below 4.
 *
 * Speed: 64 tiny PNG records take ~0.1 s; `raw` needs no image encoder (use it for big sets:
 * 6000 records of 64×64×3 take ~1 s). Files are written without fsync (tests do not need it).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { FORMAT_VERSION, MANIFEST_FILE, type Manifest, type ManifestPartition } from '../../src/shards/manifest.js';
import { bytesFeature, encodeExample, int64Feature } from '../../src/tfrecord/example/index.js';
import { encodeRecords, FRAMING_BYTES } from '../../src/tfrecord/framing.js';
import { formatIndex } from '../../src/tfrecord/record-index.js';
import { indexPathFor, shardFileName, type ShardSummary } from '../../src/tfrecord/writer.js';

/** One partition to write. */
export interface SyntheticPartition {
  readonly name: string;
  readonly records: number;
  /** Shards it is split into (records are spread as evenly as possible). */
  readonly shards: number;
}

/** Options of {@link writeShardSet}; every field has a default. */
export interface SyntheticShardSetOptions {
  /** Folder to write into (it must exist). @default a new temporary folder */
  readonly dir?: string;
  /** @default 'synth' */
  readonly dataset?: string;
  /** @default [{ name: 'train', records: 48, shards: 3 }, { name: 'val', records: 16, shards: 2 }] */
  readonly partitions?: readonly SyntheticPartition[];
  /** @default 'png' */
  readonly encoding?: 'jpeg' | 'png' | 'raw';
  /** @default 8 */
  readonly height?: number;
  /** @default 8 */
  readonly width?: number;
  /** 1 or 3. @default 3 */
  readonly channels?: number;
  /** Write `height`/`width` as null in the manifest (images "vary"). @default false */
  readonly variableSize?: boolean;
  /** Override the size of individual records (manifest-order id → [height, width]). */
  readonly sizeOf?: (id: number) => readonly [number, number];
  /** Override the pixel generator (must return height·width·channels bytes). */
  readonly pixels?: (id: number, height: number, width: number, channels: number) => Uint8Array;
  /** JPEG quality. @default 95 */
  readonly quality?: number;
}

/** What {@link writeShardSet} wrote. */
export interface SyntheticShardSet {
  readonly dir: string;
  readonly manifest: Manifest;
  /** Records over all partitions. */
  readonly records: number;
  readonly encoding: 'jpeg' | 'png' | 'raw';
  /** Whether decoded pixels equal {@link pixels} exactly (false for JPEG). */
  readonly exact: boolean;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Source pixels (uint8 HWC) of the record with manifest-order id `id`. */
  pixels(id: number): Uint8Array;
  /** The manifest-order id of record `streamId` of a stream over `partitions` (in that order). */
  manifestId(partitions: readonly string[], streamId: number): number;
  /** Manifest-order ids of the records of `partitions`, in stream order. */
  idsOf(partitions: readonly string[]): number[];
  /** Absolute path of a file of the set. */
  shardPath(name: string): string;
  /** Where a record is: shard name, byte offset and framed size. */
  locate(id: number): { readonly shard: string; readonly offset: number; readonly size: number };
  /** Flip one byte inside the data of record `id` (breaks its data CRC, keeps the framing). */
  corruptRecord(id: number): Promise<void>;
  /** Remove the folder if the helper created it. */
  cleanup(): Promise<void>;
}

const DEFAULT_PARTITIONS: readonly SyntheticPartition[] = [
  { name: 'train', records: 48, shards: 3 },
  { name: 'val', records: 16, shards: 2 },
];

/** The default pixel pattern (see the file comment). */
export function syntheticPixels(id: number, height: number, width: number, channels: number, marker = true): Uint8Array {
  const out = new Uint8Array(height * width * channels);
  const mult = [29, 53, 97];
  const base = Array.from({ length: channels }, (_, c) => (id * mult[c % 3]! + 17 * c) % 200);
  const dx = Array.from({ length: width }, (_, x) => Math.floor((32 * x) / width));
  // One row per distinct y offset, copied to every row that shares it.
  const row = new Uint8Array(width * channels);
  for (let y = 0; y < height; y++) {
    const dy = Math.floor((24 * y) / height);
    for (let x = 0, p = 0; x < width; x++) for (let c = 0; c < channels; c++) row[p++] = base[c]! + dy + dx[x]!;
    out.set(row, y * width * channels);
  }
  if (marker) for (let c = 0; c < channels && c < 3; c++) out[c] = (id >> (8 * c)) & 255;
  return out;
}

/** Noise on a gradient: JPEGs of about the size of real 64×64 face crops (~3 KB), for benchmarks and decoder tests. */
export function noisyPixels(id: number, height: number, width: number, channels: number): Uint8Array {
  const out = new Uint8Array(height * width * channels);
  let x = id * 2654435761 + 1;
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = ((i % (width * channels)) >> 2) + ((x >>> 24) & 63) + (id % 64);
  }
  return out;
}

/** Mean absolute difference of two equally long pixel arrays. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Infinity;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return a.length === 0 ? 0 : sum / a.length;
}

/** Write a synthetic shard set; see the file comment. */
export async function writeShardSet(options: SyntheticShardSetOptions = {}): Promise<SyntheticShardSet> {
  const dataset = options.dataset ?? 'synth';
  const partitions = options.partitions ?? DEFAULT_PARTITIONS;
  const encoding = options.encoding ?? 'png';
  const height = options.height ?? 8;
  const width = options.width ?? 8;
  const channels = options.channels ?? 3;
  const quality = options.quality ?? 95;
  const created = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'shardstream-set-')));
  const sizeOf = options.sizeOf ?? (() => [height, width] as const);
  const pixelsOf = (id: number): Uint8Array => {
    const [h, w] = sizeOf(id);
    return options.pixels ? options.pixels(id, h, w, channels) : syntheticPixels(id, h, w, channels, encoding !== 'jpeg');
  };

  const encode = async (id: number): Promise<Uint8Array> => {
    const [h, w] = sizeOf(id);
    const px = pixelsOf(id);
    let encoded: Uint8Array = px;
    if (encoding !== 'raw') {
      const img = sharp(px, { raw: { width: w, height: h, channels: channels as 1 | 3 } });
      encoded = encoding === 'png' ? await img.png({ compressionLevel: 1 }).toBuffer() : await img.jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
    }
    return encodeExample({
      'image/encoded': bytesFeature(encoded),
      'image/format': bytesFeature(encoding),
      'image/height': int64Feature(h),
      'image/width': int64Feature(w),
      'image/channels': int64Feature(channels),
      'image/filename': bytesFeature(`${String(id).padStart(6, '0')}.${encoding === 'jpeg' ? 'jpg' : encoding}`),
      'synth/id': int64Feature(id),
    });
  };

  const written: ManifestPartition[] = [];
  const locations: { shard: string; offset: number; size: number }[] = [];
  const partStart = new Map<string, { first: number; records: number }>();
  let id = 0;
  for (const part of partitions) {
    partStart.set(part.name, { first: id, records: part.records });
    const shards: ShardSummary[] = [];
    for (let s = 0; s < part.shards; s++) {
      const count = Math.floor(((s + 1) * part.records) / part.shards) - Math.floor((s * part.records) / part.shards);
      const name = shardFileName(`${dataset}-${part.name}`, s, part.shards);
      const records = await mapLimit(count, 16, (i) => encode(id + i));
      // Framed with the core API in memory and written without fsync: fast for big sets.
      const bytes = encodeRecords(records);
      const offsets = new Float64Array(count);
      const sizes = new Float64Array(count);
      for (let i = 0, at = 0; i < count; at += sizes[i]!, i++) {
        offsets[i] = at;
        sizes[i] = records[i]!.length + FRAMING_BYTES;
        locations.push({ shard: name, offset: at, size: sizes[i]! });
      }
      await writeFile(join(dir, name), bytes);
      await writeFile(indexPathFor(join(dir, name)), formatIndex({ offsets, sizes }));
      shards.push({ name, records: count, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
      id += count;
    }
    written.push({ name: part.name, records: part.records, shards });
  }
  const fixed = !options.variableSize;
  const manifest: Manifest = {
    dataset,
    format_version: FORMAT_VERSION,
    partitions: written,
    features: {
      'image/encoded': { type: 'bytes', shape: [] },
      'image/format': { type: 'bytes', shape: [] },
      'image/height': { type: 'int64', shape: [] },
      'image/width': { type: 'int64', shape: [] },
      'image/channels': { type: 'int64', shape: [] },
      'image/filename': { type: 'bytes', shape: [] },
      'synth/id': { type: 'int64', shape: [] },
    },
    image: { feature: 'image/encoded', height: fixed ? height : null, width: fixed ? width : null, channels, encoding },
    options: { generator: 'test/helpers/shard-set.ts', encoding, height, width, channels },
    skipped: [],
    created_by: 'shardstream test helper',
  };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);

  const total = id;
  const idsOf = (names: readonly string[]): number[] => {
    const out: number[] = [];
    for (const n of names) {
      const p = partStart.get(n);
      if (!p) throw new Error(`no partition ${n}`);
      for (let i = 0; i < p.records; i++) out.push(p.first + i);
    }
    return out;
  };
  return {
    dir,
    manifest,
    records: total,
    encoding,
    exact: encoding !== 'jpeg',
    height,
    width,
    channels,
    pixels: pixelsOf,
    manifestId(names, streamId) {
      const ids = idsOf(names);
      const m = ids[streamId];
      if (m === undefined) throw new RangeError(`stream id ${streamId} outside [0, ${ids.length})`);
      return m;
    },
    idsOf,
    shardPath: (name) => join(dir, name),
    locate(rid) {
      const loc = locations[rid];
      if (!loc) throw new RangeError(`record ${rid} outside [0, ${total})`);
      return loc;
    },
    async corruptRecord(rid) {
      const loc = locations[rid];
      if (!loc) throw new RangeError(`record ${rid} outside [0, ${total})`);
      const handle = await open(join(dir, loc.shard), 'r+');
      try {
        const at = loc.offset + 12 + Math.floor((loc.size - 16) / 2);
        const b = Buffer.alloc(1);
        await handle.read(b, 0, 1, at);
        b[0] = b[0]! ^ 0xff;
        await handle.write(b, 0, 1, at);
      } finally {
        await handle.close();
      }
    },
    async cleanup() {
      if (created) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function mapLimit<T>(count: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return out;
}
