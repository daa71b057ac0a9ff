import { crc32cRange, maskCrc, maskedCrc32c } from './crc32c.js';
import type { CorruptionKind } from '../core/errors.js';

/** Bytes before a record's data: uint64 length and the masked CRC of those 8 bytes. */
export const HEADER_BYTES = 12;
/** Bytes after a record's data: the masked CRC of the data. */
export const FOOTER_BYTES = 4;
/** Framing bytes per record (header + footer). */
export const FRAMING_BYTES = HEADER_BYTES + FOOTER_BYTES;
/** Largest record this implementation accepts (a Buffer's practical limit). */
export const MAX_RECORD_BYTES = 0x7fff_ffff - FRAMING_BYTES;

/** Frame `data` as one TFRecord record (`length · crc(length) · data · crc(data)`). */
export function encodeRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(data.length + FRAMING_BYTES);
  writeRecordInto(out, 0, data);
  return out;
}

/** Frame `data` into `target` at `offset`; returns the offset after the record. */
export function writeRecordInto(target: Buffer, offset: number, data: Uint8Array): number {
  target.set(data, offset + HEADER_BYTES);
  return frameInPlace(target, offset, data.length);
}

/**
 * Frame the `length` data bytes already at `offset + HEADER_BYTES` of `target`: write the header
 * before them and the data CRC after; returns the offset after the record. Lets a writer encode
 * a record straight into its buffer.
 */
export function frameInPlace(target: Buffer, offset: number, length: number): number {
  writeLength(target, offset, length);
  return sealRecordAt(target, offset, length);
}

/**
 * Fill in both CRCs of the record at `offset` of `target`, whose length (`length` data bytes)
 * and data are there already; returns the offset after the record.
 */
export function sealRecordAt(target: Buffer, offset: number, length: number): number {
  target.writeUInt32LE(maskCrc(crc32cRange(target, offset, offset + 8)), offset + 8);
  const end = offset + HEADER_BYTES + length;
  target.writeUInt32LE(maskedCrc32c(target.subarray(offset + HEADER_BYTES, end)), end);
  return end + FOOTER_BYTES;
}

/** Write the 12-byte header (length and its masked CRC) for a record of `length` bytes. */
export function writeHeader(target: Buffer, offset: number, length: number): void {
  writeLength(target, offset, length);
  target.writeUInt32LE(maskCrc(crc32cRange(target, offset, offset + 8)), offset + 8);
}

/** Write the uint64 length that starts a record's header (its CRC comes after, from {@link writeHeader} or a chunk sealer). */
export function writeLength(target: Buffer, offset: number, length: number): void {
  target.writeUInt32LE(length >>> 0, offset);
  target.writeUInt32LE(Math.floor(length / 0x1_0000_0000), offset + 4);
}

/** Frame several records into one buffer. */
export function encodeRecords(records: Iterable<Uint8Array>): Buffer {
  const list = [...records];
  let total = 0;
  for (const r of list) total += r.length + FRAMING_BYTES;
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const r of list) offset = writeRecordInto(out, offset, r);
  return out;
}

/** Result of looking at the bytes at one position of a TFRecord buffer. */
export type ParseResult =
  | { readonly status: 'ok'; readonly data: Buffer; readonly next: number }
  | { readonly status: 'need'; readonly bytes: number }
  | { readonly status: 'corrupt'; readonly kind: CorruptionKind; readonly next?: number };

/**
 * Parse the record that starts at `pos` of `buf` (which holds bytes up to `end`).
 * `need` means more bytes are required: `bytes` is the total count from `pos` that will do.
 * `ok` gives the record's data as a view into `buf`. A `corrupt` data CRC comes with `next`, the
 * position after the bad record (its length was trustworthy).
 */
export function parseRecordAt(buf: Buffer, pos: number, end: number, verify: boolean): ParseResult {
  const available = end - pos;
  if (available < HEADER_BYTES) return { status: 'need', bytes: HEADER_BYTES };
  if (verify && !isValidHeaderAt(buf, pos, end)) return { status: 'corrupt', kind: 'length-crc' };
  const high = buf.readUInt32LE(pos + 4);
  const length = buf.readUInt32LE(pos);
  if (high !== 0 || length > MAX_RECORD_BYTES) return { status: 'corrupt', kind: 'bad-length' };
  const total = length + FRAMING_BYTES;
  if (available < total) return { status: 'need', bytes: total };
  const data = buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + length);
  if (verify && buf.readUInt32LE(pos + HEADER_BYTES + length) !== maskedCrc32c(data)) {
    return { status: 'corrupt', kind: 'data-crc', next: pos + total };
  }
  return { status: 'ok', data, next: pos + total };
}

/** True when the 12 bytes at `pos` form a header whose length CRC checks out (used to re-synchronise). */
export function isValidHeaderAt(buf: Buffer, pos: number, end: number): boolean {
  if (end - pos < HEADER_BYTES) return false;
  return buf.readUInt32LE(pos + 8) === maskCrc(crc32cRange(buf, pos, pos + 8)); // no view: this runs per record
}
