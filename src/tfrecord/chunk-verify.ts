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
    const head = Buffer.concat([state.tail ?? Buffer.alloc(0), chunk.subarray(0, HEADER_BYTES)]).subarray(0, HEADER_BYTES);
    const r = head.length < HEADER_BYTES ? undefined : parseRecordAt(head, 0, HEADER_BYTES, true);
    if (r === undefined || r.status !== 'need') {
      state.next = -1;
      return good;
    }
    pos += r.bytes;
  }
  state.tail = undefined;
  while (pos < chunk.length) {
    if (pos + HEADER_BYTES > chunk.length) {
      state.tail = Buffer.from(chunk.subarray(pos)); // a copy: the chunk goes to another thread
      break;
    }
    const r = parseRecordAt(chunk, pos, chunk.length, true);
    if (r.status === 'ok') {
      good.push(base + pos);
      pos = r.next;
    } else if (r.status === 'need') {
      pos += r.bytes; // the record ends in a later chunk
    } else if (r.next !== undefined) {
      pos = r.next; // a bad data CRC: the reader reports it, the length is good
    } else {
      state.next = -1;
      return good;
    }
  }
  state.next = base + pos;
  return good;
}

/**
 * `[start, end)` pairs of the records of `buf[from, to)` that check out (framing and both
 * CRCs), walking from `from`, where a record starts, until the bytes end or a header does not
 * check out.
 */
export function goodRecords(buf: Buffer, from: number, to: number): number[] {
  const good: number[] = [];
  for (let pos = from; pos < to; ) {
    const r = parseRecordAt(buf, pos, to, true);
    if (r.status === 'ok') {
      good.push(pos, r.next);
      pos = r.next;
    } else if (r.status === 'corrupt' && r.next !== undefined) pos = r.next; // a bad data CRC: the length is good
    else break;
  }
  return good;
}
