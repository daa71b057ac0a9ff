import { createHash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Example } from './example/index.js';
import { newExamplePlan, planExample, writeExampleInto, type ExamplePlan } from './example/encode.js';
import { FRAMING_BYTES, HEADER_BYTES, MAX_RECORD_BYTES, writeLength } from './framing.js';
import { sealChunk } from './chunk-seal.js';
import { allocChunk, ChunkWriter } from './chunk-writer.js';
import { formatIndex, IndexBuilder, type RecordIndex } from './record-index.js';
import { partialPathFor, writeFileAtomic } from '../core/atomic-file.js';
import { InternalError, InvalidParameterError, InvalidStateError, WriteFailedError } from '../core/errors.js';
import { writeFully } from '../core/write-fully.js';

export { partialPathFor };

/** What a closed writer wrote. */
export interface WrittenFile {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
  /** Hex sha256 of the whole file; `undefined` when the writer was told not to hash. */
  readonly sha256: string | undefined;
  readonly index: RecordIndex;
}

/** A file written with its sha256 (as every shard is). */
export interface HashedFile extends WrittenFile {
  readonly sha256: string;
}

/** Options of {@link TFRecordWriter.create}. */
export interface WriterOptions {
  /** Size of each write buffer (the chunk the worker seals and writes at once). @default 1 MiB */
  readonly bufferSize?: number;
  /** fsync before close resolves, so the file is on disk when a shard is renamed into place. @default true */
  readonly sync?: boolean;
  /** Hash the file as it is written (about a third of the writer's CPU time on ~3 KB records). @default true */
  readonly sha256?: boolean;
}

/** The promise of a write that is done already (shared: resolved promises cannot change). */
const READY: Promise<void> = Promise.resolve();

/**
 * Writes uncompressed TFRecord files, keeping the index and sha256 as it goes.
 *
 * This thread only encodes records into the write buffer (each with its length, CRC slots left
 * empty). A full buffer goes to the process's chunk worker ({@link ChunkWriter}), which fills in
 * the CRCs ({@link sealChunk}), hashes and writes it; a file that never fills a buffer is sealed
 * here at close.
 */
export class TFRecordWriter {
  private buffer: Buffer;
  private used = 0;
  /** File offset of `buffer[0]`. */
  private flushed = 0;
  private readonly plan: ExamplePlan = newExamplePlan();
  private readonly indexBuilder = new IndexBuilder();
  private chunks: ChunkWriter | undefined;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    private readonly bufferSize: number,
    private readonly sync: boolean,
    private readonly sha256: boolean,
  ) {
    this.buffer = allocChunk(bufferSize);
  }

  /**
   * Create (truncate) `path` for writing. It must be a file the writer can write at offsets and
   * read back (a regular file or a device like `/dev/null`; not a pipe).
   */
  static async create(path: string, options: WriterOptions = {}): Promise<TFRecordWriter> {
    const handle = await open(path, 'w+'); // read too: the chunk worker hashes back what this thread wrote itself
    return new TFRecordWriter(handle, path, options.bufferSize ?? 1024 * 1024, options.sync ?? true, options.sha256 ?? true);
  }

  /** Records written so far. */
  get records(): number {
    return this.indexBuilder.count;
  }

  /** Bytes written so far (including buffered ones). */
  get bytes(): number {
    return this.flushed + this.used;
  }

  /** Append one record; resolves once it is buffered (flushing when the buffer is full). */
  write(data: Uint8Array): Promise<void> {
    const room = this.reserve(data.length);
    if (room === READY) this.putRecord(data);
    return room;
  }

  /** Append one tf.train.Example, encoded straight into the write buffer (no intermediate copy). */
  writeExample(example: Example): Promise<void> {
    const room = this.reserve(planExample(example, this.plan).size);
    if (room === READY) this.putExample(this.plan);
    return room;
  }

  private putRecord(data: Uint8Array): void {
    this.buffer.set(data, this.used + HEADER_BYTES);
    this.put(data.length);
  }

  private putExample(plan: ExamplePlan): void {
    writeExampleInto(plan, this.buffer, this.used + HEADER_BYTES);
    this.put(plan.size);
  }

  /** Frame the `length` data bytes just put after the header slot at `used` (the sealer adds the CRCs). */
  private put(length: number): void {
    writeLength(this.buffer, this.used, length);
    const size = length + FRAMING_BYTES;
    this.indexBuilder.add(this.flushed + this.used, size);
    this.used += size;
  }

  /**
   * Make room in the buffer for a record of `length` data bytes, flushing it when full (that
   * never waits: see {@link ChunkWriter}). Returns {@link READY}, or the rejection to return.
   */
  private reserve(length: number): Promise<void> {
    if (this.closed) return Promise.reject(new InvalidStateError(this.path, 'write after close'));
    if (this.chunks?.failure) return Promise.reject(this.chunks.failure);
    if (length > MAX_RECORD_BYTES) return Promise.reject(new InvalidParameterError('record', `at most ${MAX_RECORD_BYTES} bytes`, `${length} bytes`));
    const size = length + FRAMING_BYTES;
    if (this.used + size <= this.buffer.length) return READY;
    try {
      this.flush();
    } catch (error) {
      return Promise.reject(error);
    }
    if (size > this.buffer.length) this.buffer = allocChunk(size);
    return READY;
  }

  /** Hand the full buffer to the chunk writer (starting its worker the first time) and go on with an empty one. */
  private flush(): void {
    if (this.used === 0) return;
    this.chunks ??= new ChunkWriter(this.path, this.handle.fd, this.sha256, this.bufferSize);
    const next = this.chunks.submit(this.buffer, this.used, this.flushed);
    this.flushed += this.used;
    this.used = 0;
    this.buffer = next;
  }

  /** Flush, fsync and close; returns what was written. */
  async close(): Promise<WrittenFile> {
    if (this.closed) throw new InvalidStateError(this.path, 'closed twice');
    this.closed = true;
    let sha256: string | undefined;
    try {
      sha256 = this.chunks ? await this.chunks.finish(this.buffer, this.used, this.flushed) : this.writeInline();
      if (this.sync) await this.handle.sync();
    } catch (error) {
      await this.release();
      throw WriteFailedError.from(this.path, error);
    }
    await this.handle.close();
    return { path: this.path, records: this.records, bytes: this.bytes, sha256, index: this.indexBuilder.build() };
  }

  /** A file that never filled a buffer: seal, hash and write it here (as the chunk writer does when the worker is busy). */
  private writeInline(): string | undefined {
    const chunk = this.buffer.subarray(0, this.used);
    sealChunk(chunk, chunk.length);
    writeFully(this.handle.fd, chunk, 0);
    return this.sha256 ? createHash('sha256').update(chunk).digest('hex') : undefined;
  }

  /** Close without caring for the result (used on errors). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.release();
  }

  /** Stop the worker, then close the file it writes to. */
  private async release(): Promise<void> {
    await this.chunks?.stop();
    await this.handle.close().catch(() => undefined);
  }
}

/** The path of a shard's index file. */
export function indexPathFor(shardPath: string): string {
  return `${shardPath}.index`;
}

/**
 * Writes one shard atomically: data and index go to temporary names, and `close()` renames
 * the index and then the shard into place, so a shard file that exists is whole.
 */
export class AtomicShardWriter {
  private constructor(
    private readonly writer: TFRecordWriter,
    readonly path: string,
    private readonly sync: boolean,
  ) {}

  static async create(path: string, options: Omit<WriterOptions, 'sha256'> = {}): Promise<AtomicShardWriter> {
    return new AtomicShardWriter(await TFRecordWriter.create(partialPathFor(path), { ...options, sha256: true }), path, options.sync ?? true);
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

  writeExample(example: Example): Promise<void> {
    return this.writer.writeExample(example);
  }

  async close(): Promise<HashedFile> {
    const written = hashed(await this.writer.close());
    await writeIndexFile(this.path, written.index, this.sync);
    await rename(written.path, this.path);
    return { ...written, path: this.path };
  }

  /** Drop the partial files. */
  async abort(): Promise<void> {
    await this.writer.abort();
    await rm(partialPathFor(this.path), { force: true });
  }
}

/** Write the index of the shard `shardPath` atomically (a shard writer does it before the shard gets its name, so a shard that exists has its index). */
export function writeIndexFile(shardPath: string, index: RecordIndex, sync = true): Promise<void> {
  return writeFileAtomic(indexPathFor(shardPath), formatIndex(index), { sync });
}

/** A file written by a hashing writer, typed as such. */
function hashed(file: WrittenFile): HashedFile {
  if (file.sha256 === undefined) throw new InternalError(`${file.path}: written without sha256`);
  return file as HashedFile;
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
  private done: HashedFile[] = [];

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
      this.done.push(hashed(await cur.close()));
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
    if (this.current) this.done.push(hashed(await this.current.close()));
    this.current = undefined;
    const total = this.done.length;
    const out: ShardSummary[] = [];
    for (let i = 0; i < total; i++) {
      const w = this.done[i]!;
      const name = shardFileName(this.options.prefix, i, total);
      const finalPath = join(this.options.dir, name);
      await writeIndexFile(finalPath, w.index, true);
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
