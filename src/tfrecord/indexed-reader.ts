import { open, type FileHandle } from 'node:fs/promises';
import { CorruptRecordError, OutOfRangeError } from '../core/errors.js';
import { parseRecordAt } from './framing.js';
import { readIndexFile, type RecordIndex } from './record-index.js';
import { indexPathFor } from './writer.js';

/**
 * Verify and unframe one record held in `buf` at `at` (`size` bytes including framing).
 * `name`, `fileOffset` and `record` only go into the error.
 */
export function unframeRecord(buf: Buffer, at: number, size: number, name: string, fileOffset: number, record: number): Buffer {
  const r = parseRecordAt(buf, at, Math.min(buf.length, at + size), true);
  if (r.status === 'ok' && r.next === at + size) return r.data;
  const kind = r.status === 'corrupt' ? r.kind : r.status === 'need' ? 'truncated-data' : 'bad-length';
  throw new CorruptRecordError(name, fileOffset, record, kind);
}

/** Random access to the records of one TFRecord file through its `.index` file. */
export class IndexedReader {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly index: RecordIndex,
  ) {}

  /** Open `path` with its index (`<path>.index` unless given). */
  static async open(path: string, options: { index?: RecordIndex; indexPath?: string } = {}): Promise<IndexedReader> {
    const handle = await open(path, 'r');
    try {
      const index = options.index ?? (await readIndexFile(options.indexPath ?? indexPathFor(path), (await handle.stat()).size));
      return new IndexedReader(handle, path, index);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get count(): number {
    return this.index.offsets.length;
  }

  /** Record `i`, CRC-checked. */
  async read(i: number): Promise<Buffer> {
    return (await this.readRange(i, 1))[0]!;
  }

  /** Records `[start, start + count)` with one read. */
  async readRange(start: number, count: number): Promise<Buffer[]> {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > this.count) {
      throw new OutOfRangeError('start', `${this.path}: records [${start}, ${start + count}) are outside [0, ${this.count})`, { file: this.path });
    }
    if (count === 0) return [];
    const first = this.index.offsets[start]!;
    const last = start + count - 1;
    const length = this.index.offsets[last]! + this.index.sizes[last]! - first;
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.handle.read(buf, 0, length, first);
    const out: Buffer[] = [];
    for (let i = start; i <= last; i++) {
      const at = this.index.offsets[i]! - first;
      out.push(unframeRecord(buf.subarray(0, bytesRead), at, this.index.sizes[i]!, this.path, this.index.offsets[i]!, i));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
