import { CorruptRecordError, InvalidStateError } from '../core/errors.js';
import { HEADER_BYTES, isValidHeaderAt, parseRecordAt } from './framing.js';

/** One record read from a TFRecord source. `data` may share memory with a larger read buffer: copy it to keep it long. */
export interface TFRecordEntry {
  /** The record's payload (a serialized Example for shards). */
  readonly data: Buffer;
  /** Byte offset of the record's header in the (decompressed) source. */
  readonly offset: number;
  /** Zero-based position of the record in the source, counting corrupt records too. */
  readonly index: number;
}

/** What a reader does at a corrupt record. */
export type CorruptPolicy = 'throw' | 'skip';

/** Options of {@link RecordScanner}. */
export interface ScannerOptions {
  /** Name used in errors (file path or URL). */
  readonly name: string;
  /** Check both CRCs. @default true */
  readonly verify?: boolean;
  /** `throw` stops at the first corrupt record; `skip` reports it through `onCorrupt` and goes on. @default 'throw' */
  readonly policy?: CorruptPolicy;
  /** Called for each corrupt record under the `skip` policy. */
  readonly onCorrupt?: (error: CorruptRecordError) => void;
}

const EMPTY = Buffer.alloc(0);

/**
 * Incremental TFRecord parser: `feed` chunks in, pull records out with `next`. Records are views
 * into the chunks; only a record that straddles chunks is copied (just its own bytes). After
 * corruption under the `skip` policy it re-synchronises on the next header whose CRC checks out.
 */
export class RecordScanner {
  /** The chunk being parsed. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  /** Chunks fed after `buf`, not yet reached. */
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private index = 0;
  private resyncing = false;
  private ended = false;
  private readonly name: string;
  private readonly verify: boolean;
  private readonly policy: CorruptPolicy;
  private readonly onCorrupt: ((error: CorruptRecordError) => void) | undefined;
  /** Lists of stream offsets of records checked already (see {@link feed}), and where the first is up to. */
  private checked: (readonly number[])[] = [];
  private checkedAt = 0;
  /** Count of corrupt records met so far. */
  corrupt = 0;

  constructor(options: ScannerOptions) {
    this.name = options.name;
    this.verify = options.verify ?? true;
    this.policy = options.policy ?? 'throw';
    this.onCorrupt = options.onCorrupt;
  }

  /**
   * Add the next chunk of input. `good`: stream offsets (ascending) of records in it whose
   * framing and CRCs were checked already (by the chunk worker): they are not checked again.
   */
  feed(chunk: Uint8Array, good?: readonly number[]): void {
    if (this.ended) throw new InvalidStateError(this.name, 'input after its end');
    if (chunk.length === 0) return;
    if (good !== undefined && good.length > 0) this.checked.push(good);
    this.queue.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.queuedBytes += chunk.length;
  }

  /** Signal the end of input: `next` then reports a truncated final record. */
  end(): void {
    this.ended = true;
  }

  /** The next complete record, or `undefined` when it needs more input (or the input is done). */
  next(): TFRecordEntry | undefined {
    for (;;) {
      const pos = this.resyncing ? this.resync() : this.pos;
      if (pos === undefined) return this.atEnd();
      const r = parseRecordAt(this.buf, pos, this.buf.length, this.verify && !this.wasChecked(this.base + pos));
      if (r.status === 'ok') {
        this.pos = r.next;
        return { data: r.data, offset: this.base + pos, index: this.index++ };
      }
      if (r.status === 'need') {
        if (this.gather(r.bytes)) continue;
        return this.atEnd();
      }
      if (r.next !== undefined) {
        // A bad data CRC: the length was trustworthy (its CRC checked out), so go on after the record.
        this.pos = r.next;
        this.report(this.base + pos, r.kind);
      } else {
        // A header that cannot be trusted: look for the next good one.
        this.pos = pos + 1;
        this.resyncing = true;
        this.report(this.base + pos, r.kind);
      }
    }
  }

  /** Whether the record at stream offset `at` was checked already; records are asked for in ascending order. */
  private wasChecked(at: number): boolean {
    for (;;) {
      const list = this.checked[0];
      if (list === undefined) return false;
      while (this.checkedAt < list.length && list[this.checkedAt]! < at) this.checkedAt++;
      if (this.checkedAt < list.length) return list[this.checkedAt] === at;
      this.checked.shift();
      this.checkedAt = 0;
    }
  }

  /** Move to the next header whose CRC checks out; `undefined` when the input so far has none. */
  private resync(): number | undefined {
    for (;;) {
      const buf = this.buf;
      let pos = this.pos;
      while (pos + HEADER_BYTES <= buf.length && !isValidHeaderAt(buf, pos, buf.length)) pos++;
      this.pos = pos;
      if (pos + HEADER_BYTES <= buf.length) {
        this.resyncing = false;
        return pos;
      }
      if (!this.gather(HEADER_BYTES)) return undefined;
    }
  }

  /**
   * Make `buf` hold at least `n` bytes from `pos`, taking them from the queue; false when the
   * input so far has fewer. Moves to the next chunk when this one is used up, and otherwise
   * copies only the straddling bytes (while re-synchronising, the whole rest: that is rare).
   */
  private gather(n: number): boolean {
    const have = this.buf.length - this.pos;
    if (have + this.queuedBytes < n || this.queue.length === 0) return false;
    if (have === 0) {
      this.base += this.buf.length;
      this.buf = this.queue.shift()!;
      this.queuedBytes -= this.buf.length;
      this.pos = 0;
      return true;
    }
    const size = this.resyncing ? have + this.queuedBytes : n;
    const joined = Buffer.allocUnsafe(size);
    this.buf.copy(joined, 0, this.pos);
    let filled = have;
    while (filled < size) {
      const piece = this.queue[0]!;
      const take = Math.min(piece.length, size - filled);
      piece.copy(joined, filled, 0, take);
      filled += take;
      this.queuedBytes -= take;
      if (take === piece.length) this.queue.shift();
      else this.queue[0] = piece.subarray(take);
    }
    this.base += this.pos;
    this.buf = joined;
    this.pos = 0;
    return true;
  }

  /** No record without more input: at the end of input, report what is left as truncated. */
  private atEnd(): undefined {
    if (!this.ended) return undefined;
    const left = this.buf.length - this.pos + this.queuedBytes;
    const at = this.base + this.pos;
    this.base += this.buf.length;
    this.buf = EMPTY;
    this.pos = 0;
    this.queue = [];
    this.queuedBytes = 0;
    if (left > 0 && !this.resyncing) this.report(at, left < HEADER_BYTES ? 'truncated-header' : 'truncated-data');
    return undefined;
  }

  private report(offset: number, kind: CorruptRecordError['kind']): void {
    const error = new CorruptRecordError(this.name, offset, this.index++, kind);
    this.corrupt++;
    if (this.policy === 'throw') throw error;
    this.onCorrupt?.(error);
  }
}
