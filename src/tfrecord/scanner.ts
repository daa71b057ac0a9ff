import { CorruptRecordError } from '../core/errors.js';
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
 * Incremental TFRecord parser: push chunks in, get records out. It copies only the tail of a
 * chunk that holds a partial record, and re-synchronises after corruption under the `skip` policy.
 */
export class RecordScanner {
  private buf: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  /** Stream offset of buf[0]. */
  private base = 0;
  private index = 0;
  /** Bytes needed from `pos` before parsing can go on. */
  private need = 0;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private resyncing = false;
  private readonly name: string;
  private readonly verify: boolean;
  private readonly policy: CorruptPolicy;
  private readonly onCorrupt: ((error: CorruptRecordError) => void) | undefined;
  /** Count of corrupt records met so far. */
  corrupt = 0;

  constructor(options: ScannerOptions) {
    this.name = options.name;
    this.verify = options.verify ?? true;
    this.policy = options.policy ?? 'throw';
    this.onCorrupt = options.onCorrupt;
  }

  /** Feed one chunk; yields every record that is now complete. */
  *push(chunk: Uint8Array): Generator<TFRecordEntry> {
    if (chunk.length === 0) return;
    const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.end - this.pos + this.queuedBytes + piece.length < this.need) {
      this.queued.push(piece);
      this.queuedBytes += piece.length;
      return;
    }
    this.append(piece);
    yield* this.drain();
  }

  /** The unparsed bytes at the end of what was pushed so far (part of a record). */
  get tail(): Buffer {
    return this.queued.length > 0 ? Buffer.concat([this.buf.subarray(this.pos, this.end), ...this.queued]) : this.buf.subarray(this.pos, this.end);
  }

  /** Total bytes (tail included) the next record needs before parsing can go on. */
  get wanted(): number {
    return this.need;
  }

  /**
   * Feed a buffer that starts with a copy of {@link tail} followed by new bytes. Lets a file
   * reader read straight after the carried-over tail instead of concatenating whole chunks.
   */
  *pushWithTail(buf: Buffer): Generator<TFRecordEntry> {
    const tailLength = this.end - this.pos + this.queuedBytes;
    this.base += this.pos;
    this.queued = [];
    this.queuedBytes = 0;
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
    if (buf.length - tailLength < 1) return;
    this.need = 0;
    yield* this.drain();
  }

  /** Signal the end of input; reports a truncated final record. */
  *finish(): Generator<TFRecordEntry> {
    if (this.queued.length > 0) {
      this.append(EMPTY);
      yield* this.drain();
    }
    const left = this.end - this.pos;
    if (left === 0 || this.resyncing) return;
    this.report(this.base + this.pos, left < HEADER_BYTES ? 'truncated-header' : 'truncated-data');
    this.pos = this.end;
  }

  private append(piece: Buffer): void {
    const rest = this.buf.subarray(this.pos, this.end);
    this.base += this.pos;
    if (rest.length === 0 && this.queued.length === 0) {
      this.buf = piece;
    } else {
      this.buf = Buffer.concat([rest, ...this.queued, piece]);
    }
    this.queued = [];
    this.queuedBytes = 0;
    this.pos = 0;
    this.end = this.buf.length;
    this.need = 0;
  }

  private *drain(): Generator<TFRecordEntry> {
    const buf = this.buf;
    const end = this.end;
    while (this.pos < end) {
      if (this.resyncing) {
        let p = this.pos;
        while (p + HEADER_BYTES <= end && !isValidHeaderAt(buf, p, end)) p++;
        this.pos = p;
        if (p + HEADER_BYTES > end) {
          this.need = HEADER_BYTES;
          return;
        }
        this.resyncing = false;
      }
      const result = parseRecordAt(buf, this.pos, end, this.verify);
      if (result.status === 'ok') {
        const entry: TFRecordEntry = {
          data: buf.subarray(result.dataStart, result.dataEnd),
          offset: this.base + this.pos,
          index: this.index++,
        };
        this.pos = result.next;
        yield entry;
      } else if (result.status === 'need') {
        this.need = result.bytes;
        return;
      } else {
        this.report(this.base + this.pos, result.kind);
        if (result.next !== undefined) {
          this.pos = result.next;
        } else {
          this.pos += 1;
          this.resyncing = true;
        }
      }
    }
  }

  private report(offset: number, kind: CorruptRecordError['kind']): void {
    const error = new CorruptRecordError(this.name, offset, this.index++, kind);
    this.corrupt++;
    if (this.policy === 'throw') throw error;
    this.onCorrupt?.(error);
  }
}
