import { open, type FileHandle } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { CorruptRecordError } from '../core/errors.js';
import { isValidHeaderAt } from './framing.js';
import { checkedFileChunks } from './chunk-reader.js';
import { RecordScanner, type CorruptPolicy, type TFRecordEntry } from './scanner.js';
import type { Compression } from './compression.js';

// in their own module so that a CLI can check --compression without loading the reader
export { parseCompression, type Compression } from './compression.js';

/** Anything records can be read from. */
export type RecordSource = string | Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** Options of {@link readRecords}. */
export interface ReadRecordsOptions {
  /** @default 'auto' */
  readonly compression?: Compression;
  /** Check both CRCs of every record. @default true */
  readonly verify?: boolean;
  /** @default 'throw' */
  readonly onCorrupt?: CorruptPolicy;
  /** Called for each corrupt record when `onCorrupt` is `skip`. */
  readonly onSkip?: (error: CorruptRecordError) => void;
  /** Name used in errors. @default the path, or `<buffer>` / `<stream>` */
  readonly name?: string;
  /** Bytes per file read. @default 4 MiB */
  readonly chunkSize?: number;
  /**
   * Read a file on the process's chunk worker thread, which also checks the CRCs of the records
   * that lie whole in a chunk, so that this thread only parses: about 1.8× the throughput. `auto`
   * does so for files of 32 MiB and more (the worker takes ~50–100 ms to start, once per process).
   * @default 'auto'
   */
  readonly offThread?: boolean | 'auto';
}

/** Files at least this big are read on the chunk worker when `offThread` is `auto`. */
const OFF_THREAD_MIN_BYTES = 32 * 1024 * 1024;

/** Stream the records of a TFRecord file, buffer or byte stream, verifying CRCs. */
export function readRecords(source: RecordSource, options: ReadRecordsOptions = {}): AsyncGenerator<TFRecordEntry, undefined> {
  const name = options.name ?? (typeof source === 'string' ? source : source instanceof Uint8Array ? '<buffer>' : '<stream>');
  const scanner = new RecordScanner({
    name,
    verify: options.verify ?? true,
    policy: options.onCorrupt ?? 'throw',
    ...(options.onSkip ? { onCorrupt: options.onSkip } : {}),
  });
  let compression = options.compression ?? 'auto';
  if (compression === 'auto' && typeof source === 'string') {
    if (/\.(gz|gzip)$/i.test(source)) compression = 'gzip';
    else if (/\.(zz|zlib)$/i.test(source)) compression = 'zlib';
  }
  const chunkSize = options.chunkSize ?? 4 * 1024 * 1024;
  // chunks the worker checked, with the offsets of their good records (a chunk that decompression replaces has none)
  const checked = new WeakMap<Uint8Array, readonly number[]>();
  const offThread = (options.verify ?? true) && compression !== 'gzip' && compression !== 'zlib' ? (options.offThread ?? 'auto') : false;
  const chunks = typeof source === 'string' ? fileChunks(source, chunkSize, offThread, checked) : byteChunks(source);
  return new RecordIterator(scanner, decompress(chunks, compression), checked);
}

/**
 * The records of `chunks` as `scanner` completes them. A hand-written async iterator rather than
 * an async generator: a record that is already parsed is handed out in one resolved promise,
 * where a generator's yield costs several microtask turns (~0.15 µs a record, ~3 % of a read).
 * Like any async iterator it expects one `next()` at a time (as `for await` calls it).
 */
class RecordIterator implements AsyncGenerator<TFRecordEntry, undefined> {
  private inputDone = false;
  private closed = false;

  constructor(
    private readonly scanner: RecordScanner,
    private readonly chunks: AsyncIterator<Uint8Array>,
    private readonly checked: WeakMap<Uint8Array, readonly number[]>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<TFRecordEntry, undefined>> {
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    let entry: TFRecordEntry | undefined;
    try {
      entry = this.scanner.next();
    } catch (error) {
      return this.fail(error);
    }
    return entry !== undefined ? Promise.resolve({ value: entry, done: false }) : this.pull();
  }

  /** Feed chunks until a record completes or the input ends. */
  private async pull(): Promise<IteratorResult<TFRecordEntry, undefined>> {
    try {
      while (!this.inputDone) {
        const chunk = await this.chunks.next();
        if (chunk.done) {
          this.inputDone = true;
          this.scanner.end();
        } else this.scanner.feed(chunk.value, this.checked.get(chunk.value));
        const entry = this.scanner.next();
        if (entry !== undefined) return { value: entry, done: false };
      }
    } catch (error) {
      return this.fail(error);
    }
    this.closed = true;
    return { value: undefined, done: true };
  }

  /** Close the input (the file) and reject with `error`. */
  private async fail(error: unknown): Promise<never> {
    await this.return();
    throw error;
  }

  async return(): Promise<IteratorResult<TFRecordEntry, undefined>> {
    if (!this.closed) {
      this.closed = true;
      if (!this.inputDone) await this.chunks.return?.();
    }
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<TFRecordEntry, undefined>> {
    return this.fail(error);
  }
}

/** Read up to `want` bytes into a fresh buffer (fewer only at the end of the file). */
async function readChunk(handle: FileHandle, want: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(want);
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await handle.read(buf, filled, buf.length - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}

/**
 * The file's bytes in chunks, the next one read while the consumer works on the current one: on
 * the chunk worker, which checks them too, when `offThread` says so (see {@link ReadRecordsOptions}).
 */
async function* fileChunks(path: string, chunkSize: number, offThread: boolean | 'auto', checked: WeakMap<Uint8Array, readonly number[]>): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  if (offThread === true || (offThread === 'auto' && (await handle.stat()).size >= OFF_THREAD_MIN_BYTES)) {
    try {
      yield* checkedFileChunks(handle, chunkSize, checked);
    } finally {
      await handle.close();
    }
    return;
  }
  const readAhead = (): Promise<Buffer> => {
    const read = readChunk(handle, chunkSize);
    read.catch(() => undefined); // a failure surfaces where it is awaited, not as an unhandled rejection
    return read;
  };
  let next = readAhead();
  try {
    for (;;) {
      const buf = await next;
      if (buf.length === 0) return;
      next = readAhead();
      yield buf;
    }
  } finally {
    await next.catch(() => undefined); // never close the file under a read in flight
    await handle.close();
  }
}

/** Read every record into memory (copies), for small files and tests. */
export async function readAllRecords(source: RecordSource, options: ReadRecordsOptions = {}): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const r of readRecords(source, options)) out.push(Buffer.from(r.data));
  return out;
}

async function* byteChunks(source: Exclude<RecordSource, string>): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
  } else if (isWebStream(source)) {
    yield* Readable.fromWeb(source as import('node:stream/web').ReadableStream<Uint8Array>);
  } else {
    yield* source;
  }
}

function isWebStream(source: unknown): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream | null)?.getReader === 'function';
}

/** The chunks uncompressed; ending the iteration early (or an error) closes `chunks`, and so the file. */
async function* decompress(chunks: AsyncGenerator<Uint8Array>, compression: Compression): AsyncGenerator<Uint8Array> {
  try {
    let kind = compression;
    let input = chunks;
    if (kind === 'auto') {
      const first = await chunks.next();
      if (first.done) return;
      kind = sniffCompression(Buffer.from(first.value.buffer, first.value.byteOffset, first.value.length));
      input = prepend(first.value, chunks);
    }
    if (kind === 'none') {
      yield* input;
      return;
    }
    // pipeline, not pipe: a failed read must fail the inflater too, not leave it waiting.
    const inflated = pipeline(Readable.from(input), kind === 'gzip' ? createGunzip() : createInflate(), () => undefined);
    try {
      yield* inflated;
    } finally {
      inflated.destroy();
    }
  } finally {
    await chunks.return(undefined);
  }
}

/** `first`, then `rest`; closing it early closes `rest` too (so a file is not left open). */
async function* prepend(first: Uint8Array, rest: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield first;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

/** Guess the compression of a stream from its first bytes: a valid TFRecord header means none. */
export function sniffCompression(head: Buffer): 'none' | 'gzip' | 'zlib' {
  if (isValidHeaderAt(head, 0, head.length)) return 'none';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 2 && (head[0]! & 0x0f) === 8 && ((head[0]! << 8) | head[1]!) % 31 === 0) return 'zlib';
  return 'none';
}
