import { HEADER_BYTES, parseRecordAt } from './framing.js';

/** Where {@link verifyChunk} stands between chunks of one file. */
export interface ChunkVerifyState {
  /** File offset of the next record's header; −1 once the framing is lost (nothing more is vouched for). */
  next: number;
  /** The bytes of the last chunk from `next` on, when the next header starts there but ends in the next chunk. */
  tail: Buffer | undefined;
}

/** The state at the start of a file. */
export function startVerify(): ChunkVerifyState {
  return { next: 0, tail: undefined };
}

/**
 * File offsets of the records that lie whole in `chunk` (file bytes from `base` on, chunks in
 * file order) and whose framing and both CRCs check out: the reader need not check those again.
 * A record that straddles two chunks is not vouched for (the reader checks it), nor is anything
 * after a header that does not check out (the reader finds what is wrong and re-synchronises).
 */
export function verifyChunk(chunk: Buffer, base: number, state: ChunkVerifyState): number[] {
  const good: number[] = [];
  if (state.next < 0) return good;
  let pos = state.next - base;
  if (pos < 0) {
    // the header began in the last chunk: put it together to learn where its record ends
    const head = Buffer.concat([state.tail ?? Buffer.alloc(0), chunk.subarray(0, HEADER_BYTES)]);
    const end = head.length < HEADER_BYTES ? undefined : recordEnd(head, 0);
    if (end === undefined) return lose(state, good);
    pos += end;
  }
  state.tail = undefined;
  pos = walkRecords(chunk, pos, chunk.length, (start) => good.push(base + start));
  if (pos < 0) return lose(state, good);
  if (pos + HEADER_BYTES > chunk.length) {
    if (pos < chunk.length) state.tail = Buffer.from(chunk.subarray(pos)); // a copy: the chunk goes to another thread
  } else {
    // the record at `pos` ends in a later chunk
    const end = recordEnd(chunk, pos);
    if (end === undefined) return lose(state, good);
    pos = end;
  }
  state.next = base + pos;
  return good;
}

/** Where the record whose whole header is at `pos` ends, or `undefined` when the header does not check out. */
function recordEnd(buf: Buffer, pos: number): number | undefined {
  const r = parseRecordAt(buf, pos, pos + HEADER_BYTES, true);
  return r.status === 'need' ? pos + r.bytes : undefined;
}

/** The framing is lost: nothing more of the file is vouched for. */
function lose(state: ChunkVerifyState, good: number[]): number[] {
  state.next = -1;
  return good;
}

/**
 * Walk the records of `buf[from, to)` from `from`, where a record starts, calling `good` with
 * the extent of each that checks out (framing and both CRCs); a record with a bad data CRC is
 * stepped over (its length checked out). Returns where the walk stopped: the start of the first
 * record that does not end by `to` (or `to`), or −1 at a header that does not check out.
 */
function walkRecords(buf: Buffer, from: number, to: number, good: (start: number, end: number) => void): number {
  let pos = from;
  while (pos < to) {
    const r = parseRecordAt(buf, pos, to, true);
    if (r.status === 'need') return pos;
    if (r.status === 'ok') {
      good(pos, r.next);
      pos = r.next;
    } else if (r.next !== undefined) pos = r.next;
    else return -1;
  }
  return pos;
}

/**
 * `[start, end)` pairs of the records of `buf[from, to)` that check out (framing and both
 * CRCs), walking from `from`, where a record starts, until the bytes end or a header does not
 * check out.
 */
export function goodRecords(buf: Buffer, from: number, to: number): number[] {
  const good: number[] = [];
  walkRecords(buf, from, to, (start, end) => good.push(start, end));
  return good;
}
