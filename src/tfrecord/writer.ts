import { createHash, type Hash } from 'node:crypto';
import { open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FRAMING_BYTES, MAX_RECORD_BYTES, writeRecordInto } from './framing.js';
import { formatIndex, IndexBuilder, type RecordIndex } from './record-index.js';
import { InvalidParameterError } from '../core/errors.js';

/** What a closed writer wrote. */
export interface WrittenFile {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
  /** Hex sha256 of the whole file. */
  readonly sha256: string;
  readonly index: RecordIndex;
}

/** Options of {@link TFRecordWriter.create}. */
export interface WriterOptions {
  /** Size of each of the two write buffers. @default 1 MiB */
  readonly bufferSize?: number;
  /** fsync before close resolves, so the file is on disk when a shard is renamed into place. @default true */
  readonly sync?: boolean;
}

/** Writes uncompressed TFRecord files, keeping the index and sha256 as it goes. */
export class TFRecordWriter {
  private buffer: Buffer;
  /** The other buffer: the one being written to disk while records fill `buffer`. */
  private spare: Buffer;
  private inFlight: Promise<unknown> | undefined;
  private used = 0;
  private offset = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly indexBuilder = new IndexBuilder();
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    bufferSize: number,
    private readonly sync: boolean,
  ) {
    this.buffer = Buffer.allocUnsafe(bufferSize);
    this.spare = Buffer.allocUnsafe(bufferSize);
  }

  /** Create (truncate) `path` for writing. */
  static async create(path: string, options: WriterOptions = {}): Promise<TFRecordWriter> {
    const handle = await open(path, 'w');
    return new TFRecordWriter(handle, path, options.bufferSize ?? 1024 * 1024, options.sync ?? true);
  }

  /** Records written so far. */
  get records(): number {
    return this.indexBuilder.count;
  }

  /** Bytes written so far (including buffered ones). */
  get bytes(): number {
    return this.offset;
  }

  /** Append one record; resolves once it is buffered (flushing when the buffer is full). */
  async write(data: Uint8Array): Promise<void> {
    if (this.closed) throw new Error(`${this.path}: write after close`);
    if (data.length > MAX_RECORD_BYTES) throw new InvalidParameterError('record', `at most ${MAX_RECORD_BYTES} bytes`, `${data.length} bytes`);
    const size = data.length + FRAMING_BYTES;
    if (this.used + size > this.buffer.length) {
      await this.flush();
      if (size > this.buffer.length) this.buffer = Buffer.allocUnsafe(size);
    }
    writeRecordInto(this.buffer, this.used, data);
    this.used += size;
    this.indexBuilder.add(this.offset, size);
    this.offset += size;
  }

  /** Hand the full buffer to the disk and go on filling the other one (double buffering). */
  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    this.hash.update(chunk);
    await this.inFlight; // the spare buffer is free once its write is done
    this.inFlight = this.handle.write(chunk, 0, chunk.length);
    [this.buffer, this.spare] = [this.spare, this.buffer];
    this.used = 0;
  }

  /** Flush, fsync and close; returns what was written. */
  async close(): Promise<WrittenFile> {
    if (this.closed) throw new Error(`${this.path}: closed twice`);
    await this.flush();
    await this.inFlight;
    if (this.sync) await this.handle.sync();
    await this.handle.close();
    this.closed = true;
    return { path: this.path, records: this.records, bytes: this.offset, sha256: this.hash.digest('hex'), index: this.indexBuilder.build() };
  }

  /** Close without caring for the result (used on errors). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inFlight?.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }
}

/** The path of a shard's index file. */
export function indexPathFor(shardPath: string): string {
  return `${shardPath}.index`;
}

/** Temporary name a file is written under before it is renamed into place. */
export function partialPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.partial`);
}

/**
 * Writes one shard atomically: data and index go to temporary names, and `close()` renames
 * the index and then the shard into place, so a shard file that exists is whole.
 */
export class AtomicShardWriter {
  private constructor(
    private readonly writer: TFRecordWriter,
    readonly path: string,
  ) {}

  static async create(path: string, options: WriterOptions = {}): Promise<AtomicShardWriter> {
    return new AtomicShardWriter(await TFRecordWriter.create(partialPathFor(path), options), path);
  }

  get records(): number {
    return this.writer.records;
  }

  get bytes(): number {
    return this.writer.bytes;
  }

  write(data: Uint8Array): Promise<void> {
    return this.writer.write(data);
  }

  async close(): Promise<WrittenFile> {
    const written = await this.writer.close();
    const indexPath = indexPathFor(this.path);
    const indexPartial = partialPathFor(indexPath);
    await writeFile(indexPartial, formatIndex(written.index));
    await rename(indexPartial, indexPath);
    await rename(written.path, this.path);
    return { ...written, path: this.path };
  }

  /** Drop the partial files. */
  async abort(): Promise<void> {
    await this.writer.abort();
    await rm(partialPathFor(this.path), { force: true });
  }
}

/** `<prefix>-00003-of-00016.tfrecord`, TensorFlow's shard naming. */
export function shardFileName(prefix: string, shard: number, total: number): string {
  return `${prefix}-${String(shard).padStart(5, '0')}-of-${String(total).padStart(5, '0')}.tfrecord`;
}

/** One shard as listed in a manifest. */
export interface ShardSummary {
  readonly name: string;
  readonly records: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** Options of {@link ShardedWriter.create}. */
export interface ShardedWriterOptions {
  /** Folder the shards go to (it must exist). */
  readonly dir: string;
  /** Shard name prefix, e.g. `celeba-train`. */
  readonly prefix: string;
  /** Start a new shard after this many records. */
  readonly maxRecords?: number;
  /** Start a new shard before a record would take the shard past this many bytes. */
  readonly maxBytes?: number;
}

/**
 * Writes records over shards that roll by record count or bytes. Shards are written under
 * temporary names; since the total (`-of-000NN`) is known only at the end, `close()` renames
 * each completed shard and its index into place.
 */
export class ShardedWriter {
  private current: TFRecordWriter | undefined;
  private done: WrittenFile[] = [];

  private constructor(private readonly options: ShardedWriterOptions) {}

  static async create(options: ShardedWriterOptions): Promise<ShardedWriter> {
    if (options.maxRecords !== undefined && !(Number.isInteger(options.maxRecords) && options.maxRecords > 0)) {
      throw new InvalidParameterError('maxRecords', 'a positive integer', options.maxRecords);
    }
    if (options.maxBytes !== undefined && !(Number.isInteger(options.maxBytes) && options.maxBytes > 0)) {
      throw new InvalidParameterError('maxBytes', 'a positive integer', options.maxBytes);
    }
    return new ShardedWriter(options);
  }

  async write(data: Uint8Array): Promise<void> {
    const { maxRecords, maxBytes } = this.options;
    const cur = this.current;
    if (
      cur &&
      cur.records > 0 &&
      ((maxRecords !== undefined && cur.records >= maxRecords) || (maxBytes !== undefined && cur.bytes + data.length + FRAMING_BYTES > maxBytes))
    ) {
      this.done.push(await cur.close());
      this.current = undefined;
    }
    if (!this.current) {
      const n = this.done.length;
      this.current = await TFRecordWriter.create(join(this.options.dir, `.${this.options.prefix}-${String(n).padStart(5, '0')}.tfrecord.partial`));
    }
    await this.current.write(data);
  }

  /** Finish the last shard and rename all shards into place; returns them in order. */
  async close(): Promise<ShardSummary[]> {
    if (this.current) this.done.push(await this.current.close());
    this.current = undefined;
    const total = this.done.length;
    const out: ShardSummary[] = [];
    for (let i = 0; i < total; i++) {
      const w = this.done[i]!;
      const name = shardFileName(this.options.prefix, i, total);
      const finalPath = join(this.options.dir, name);
      const indexPath = indexPathFor(finalPath);
      await writeFile(partialPathFor(indexPath), formatIndex(w.index));
      await rename(partialPathFor(indexPath), indexPath);
      await rename(w.path, finalPath);
      out.push({ name, records: w.records, bytes: w.bytes, sha256: w.sha256 });
    }
    return out;
  }

  /** Remove every partial file. */
  async abort(): Promise<void> {
    await this.current?.abort();
    for (const w of this.done) await rm(w.path, { force: true });
    if (this.current) await rm(this.current.path, { force: true });
  }
}
