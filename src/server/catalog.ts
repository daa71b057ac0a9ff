import { createHash } from 'node:crypto';
import { open, readFile, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import type { ProgressSink } from '../core/progress.js';
import { MANIFEST_FILE, parseManifest, type Manifest } from '../shards/manifest.js';
import { RecordTable } from '../shards/record-table.js';
import { countProblem, sizeProblem, verifyShardSet } from '../shards/verify-shard-set.js';
import { parseIndex, type RecordIndex } from '../tfrecord/record-index.js';
import { indexPathFor } from '../tfrecord/writer.js';
import { LruCache } from '../core/lru.js';
import { handleFile, memoryFile, wholeSeconds, type ServedFile } from './http/served-file.js';

/** A shard opened for streaming. */
export interface ShardFile {
  readonly name: string;
  /** Unique over the server: the record cache key is `uid · 2^32 + position`. */
  readonly uid: number;
  readonly handle: FileHandle;
  readonly index: RecordIndex;
  readonly bytes: number;
  /** The largest record, framing included (0 for an empty shard). */
  readonly maxRecordBytes: number;
}

/** One shard set as the server holds it: loaded and checked at start, immutable after. */
export class Dataset {
  private readonly tables = new LruCache<string, Promise<RecordTable>>({ maxEntries: 32 });
  private totalBytes: number | undefined;

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly manifest: Manifest,
    /** The manifest as sent: its bytes on disk. */
    readonly manifestFile: ServedFile,
    readonly manifestSha256: string,
    /** Every file a client may fetch: shards, their indexes and `manifest.json`, by exact name. */
    readonly files: ReadonlyMap<string, ServedFile>,
    readonly shards: ReadonlyMap<string, ShardFile>,
  ) {}

  /** Records over all partitions. */
  get records(): number {
    return this.manifest.partitions.reduce((n, p) => n + p.records, 0);
  }

  /** Bytes of all shards. */
  get bytes(): number {
    this.totalBytes ??= [...this.shards.values()].reduce((n, s) => n + s.bytes, 0);
    return this.totalBytes;
  }

  /** The global numbering over `partitions` (DESIGN §4), built once per partition list. */
  table(partitions: readonly string[]): Promise<RecordTable> {
    const key = partitions.join('\u0000');
    let t = this.tables.get(key);
    if (!t) {
      t = RecordTable.build(this.manifest, partitions, async (name) => this.shard(name).index, `${this.name}/${MANIFEST_FILE}`);
      this.tables.set(key, t);
    }
    return t;
  }

  /** The open shard `name` (it must be listed in the manifest). */
  shard(name: string): ShardFile {
    const s = this.shards.get(name);
    if (!s) throw new InvalidInputError(join(this.dir, name), 'is not a shard of the manifest');
    return s;
  }

  async close(): Promise<void> {
    await Promise.all([...this.shards.values()].map((s) => s.handle.close().catch(() => undefined)));
  }
}

/** Options of {@link Catalog.load}. */
export interface CatalogLoadOptions {
  /**
   * Before serving, read every shard set in full (`verifyShardSet`: sha256, every CRC, every
   * index line) and refuse the folder on any problem. @default false
   */
  readonly verify?: boolean;
  /** Where `verify` reports how far it got. @default none */
  readonly progress?: ProgressSink;
}

/** Problems listed in the error of a failed `verify`; the rest are counted. */
const MAX_LISTED_PROBLEMS = 20;

/** The datasets of a data folder. */
export class Catalog {
  private constructor(readonly datasets: ReadonlyMap<string, Dataset>) {}

  /**
   * Load `dir`: a shard set when it holds `manifest.json`, else every sub-folder that holds one
   * (in name order). Each listed shard is opened and checked against the manifest (size) and
   * its index (record count; records end to end over the whole shard): any failed check refuses
   * the whole folder, so a server never starts with a dataset it would serve wrong or not at all.
   */
  static async load(dir: string, options: CatalogLoadOptions = {}): Promise<Catalog> {
    const uids = { next: 0 };
    const dirs: string[] = [];
    if (await exists(join(dir, MANIFEST_FILE))) {
      dirs.push(dir);
    } else {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (cause) {
        throw new InvalidInputError(dir, `cannot read the data folder: ${(cause as Error).message}`, { cause });
      }
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory() && (await exists(join(dir, e.name, MANIFEST_FILE)))) dirs.push(join(dir, e.name));
      }
    }
    if (dirs.length === 0) throw new InvalidInputError(dir, `holds no ${MANIFEST_FILE}, neither at its root nor in a sub-folder`);
    if (options.verify) for (const d of dirs) await verifyOrThrow(d, options.progress);
    const datasets = new Map<string, Dataset>();
    try {
      for (const d of dirs) {
        const ds = await loadDataset(d, uids);
        const other = datasets.get(ds.name);
        if (other) {
          await ds.close();
          throw new InvalidInputError(d, `dataset ${ds.name} is also served from ${other.dir}; dataset names must be unique`);
        }
        datasets.set(ds.name, ds);
      }
    } catch (error) {
      await Promise.all([...datasets.values()].map((ds) => ds.close()));
      throw error;
    }
    return new Catalog(datasets);
  }

  /** The dataset `name`. */
  get(name: string): Dataset | undefined {
    return this.datasets.get(name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.datasets.values()].map((d) => d.close()));
  }
}

/** Verify the shard set in `dir` in full; throws an error that lists the problems found. */
async function verifyOrThrow(dir: string, progress: ProgressSink | undefined): Promise<void> {
  const { problems } = await verifyShardSet({ dir, ...(progress ? { progress } : {}) });
  if (problems.length === 0) return;
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `\n  ${p.message}`);
  const more = problems.length > MAX_LISTED_PROBLEMS ? `\n  … and ${problems.length - MAX_LISTED_PROBLEMS} more` : '';
  throw new InvalidInputError(dir, `verification failed, ${problems.length} problem${problems.length === 1 ? '' : 's'}:${listed.join('')}${more}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function loadDataset(dir: string, uids: { next: number }): Promise<Dataset> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const manifestBytes = await readFile(manifestPath);
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch (cause) {
    throw new InvalidInputError(manifestPath, `invalid JSON: ${(cause as Error).message}`, { cause });
  }
  const manifest = parseManifest(json, manifestPath);
  const manifestSha256 = sha256(manifestBytes);
  const manifestFile = memoryFile(
    { name: MANIFEST_FILE, etag: `"${manifestSha256}"`, lastModified: wholeSeconds((await stat(manifestPath)).mtime), contentType: 'application/json' },
    manifestBytes,
  );
  const files = new Map<string, ServedFile>([[MANIFEST_FILE, manifestFile]]);
  const shards = new Map<string, ShardFile>();
  const listed = manifest.partitions.flatMap((p) => p.shards);
  try {
    // A few at a time: index parsing is CPU work, opening is I/O.
    for (let i = 0; i < listed.length; i += 16) {
      const loaded = await Promise.all(listed.slice(i, i + 16).map((s, j) => loadShard(dir, s, uids.next + i + j)));
      for (const { shard, file, indexFile } of loaded) {
        if (files.has(shard.name) || files.has(indexFile.name)) {
          await Promise.all(loaded.filter((l) => !shards.has(l.shard.name) || shards.get(l.shard.name) !== l.shard).map((l) => l.shard.handle.close().catch(() => undefined)));
          throw new InvalidInputError(manifestPath, `lists ${shard.name} twice`);
        }
        shards.set(shard.name, shard);
        files.set(shard.name, file);
        files.set(indexFile.name, indexFile);
      }
    }
  } catch (error) {
    await Promise.all([...shards.values()].map((s) => s.handle.close().catch(() => undefined)));
    throw error;
  }
  uids.next += listed.length;
  return new Dataset(manifest.dataset, dir, manifest, manifestFile, manifestSha256, files, shards);
}

async function loadShard(
  dir: string,
  listed: { readonly name: string; readonly records: number; readonly bytes: number; readonly sha256: string },
  uid: number,
): Promise<{ shard: ShardFile; file: ServedFile; indexFile: ServedFile }> {
  const path = join(dir, listed.name);
  const indexPath = indexPathFor(path);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw new InvalidInputError(path, `cannot open the shard: ${(cause as Error).message}`, { cause });
  }
  try {
    const st = await handle.stat();
    const badSize = sizeProblem(path, st.size, listed.bytes);
    if (badSize) throw badSize;
    let indexBytes: Buffer;
    try {
      indexBytes = await readFile(indexPath);
    } catch (cause) {
      throw new InvalidInputError(indexPath, `cannot read the index: ${(cause as Error).message}`, { cause });
    }
    // Checks that the records lie end to end over the whole shard: a wrong line is never served.
    const index = parseIndex(indexBytes.toString('latin1'), indexPath, st.size);
    const n = index.offsets.length;
    const badCount = countProblem(indexPath, n, listed.records);
    if (badCount) throw badCount;
    const indexStat = await stat(indexPath);
    const file = handleFile(
      // The manifest's sha256 is a content-based strong validator of the bytes the handle reads.
      { name: listed.name, size: st.size, etag: `"${listed.sha256}"`, lastModified: wholeSeconds(st.mtime), contentType: 'application/octet-stream' },
      handle,
    );
    const indexFile = memoryFile(
      { name: `${listed.name}.index`, etag: `"${sha256(indexBytes)}"`, lastModified: wholeSeconds(indexStat.mtime), contentType: 'text/plain; charset=utf-8' },
      indexBytes,
    );
    let maxRecordBytes = 0;
    for (let i = 0; i < n; i++) maxRecordBytes = Math.max(maxRecordBytes, index.sizes[i]!);
    return { shard: { name: listed.name, uid, handle, index, bytes: st.size, maxRecordBytes }, file, indexFile };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}
