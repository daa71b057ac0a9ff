import { InvalidInputError } from '../../core/errors.js';
import { SMALL_INT64, type Example, type Feature } from './types.js';

/*
 * The hand-written decoder of tensorflow.Example, the hot path of every reader: several times
 * faster than protobufjs's reflection code, which stays the reference (tests compare the two).
 *
 * Example   { Features features = 1; }
 * Features  { map<string, Feature> feature = 1; }   (entries: key = 1, value = 2)
 * Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
 * XxxList   { repeated <bytes | float (packed) | int64 (packed)> value = 1; }
 *
 * Protobuf merge rules hold: repeated `features` fields merge, a key's later entry wins, the
 * same list kind repeated concatenates, another kind replaces it (oneof); unknown fields are
 * skipped. Every read is bounded by the end of the message it is in.
 *
 * Written for V8: the position lives in a small state object that every step shares, one-byte
 * varints (nearly every tag and most lengths) take a short path that inlines, and `2 ** shift`
 * stays out of the varint loop (it alone cost 40 % of the decode).
 */

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
export const WIRE_LEN = 2;
const WIRE_I32 = 5;
export const TAG_1_LEN = (1 << 3) | WIRE_LEN;
export const TAG_2_LEN = (2 << 3) | WIRE_LEN;
export const TAG_3_LEN = (3 << 3) | WIRE_LEN;
const TAG_1_VARINT = (1 << 3) | WIRE_VARINT;
const TAG_1_I32 = (1 << 3) | WIRE_I32;

/** A record's name for errors, or a function that makes it (only called on failure). */
export type Name = string | (() => string);

/** The name of a record for an error. */
export function nameOf(name: Name): string {
  return typeof name === 'string' ? name : name();
}

/** Where a multi-byte read ended, and the record's name for errors. */
export interface ReadState {
  pos: number;
  readonly name: Name;
}

function fail(st: ReadState, what: string, pos: number): never {
  throw new InvalidInputError(nameOf(st.name), `not a tf.train.Example: ${what} at byte ${pos}`);
}

/** A varint of at most 32 bits (tags and lengths) at `pos`; its end goes to `st.pos`. */
function varint(buf: Buffer, pos: number, end: number, st: ReadState): number {
  let result = 0;
  let mult = 1;
  for (let i = 0; i < 5; i++) {
    if (pos >= end) fail(st, 'truncated varint', pos);
    const b = buf[pos++]!;
    result += (b & 0x7f) * mult;
    if (b < 0x80) {
      if (result > 0xffffffff) fail(st, 'varint too large', pos);
      st.pos = pos;
      return result;
    }
    mult *= 128;
  }
  return fail(st, 'varint too long', pos);
}

/** A tag or length: one-byte varints inline, longer ones through {@link varint}. Advances `st.pos`. */
export function uint32(buf: Buffer, end: number, st: ReadState): number {
  const pos = st.pos;
  if (pos < end) {
    const b = buf[pos]!;
    if (b < 0x80) {
      st.pos = pos + 1;
      return b;
    }
  }
  return varint(buf, pos, end, st);
}

/** A length prefix: returns where the field ends (within `end`), leaving `st.pos` at its start. */
export function len(buf: Buffer, end: number, st: ReadState): number {
  const stop = uint32(buf, end, st) + st.pos;
  if (stop > end) fail(st, 'length-delimited field runs past its message', st.pos);
  return stop;
}

/** A full 64-bit varint as a signed bigint; its end goes to `st.pos`. */
function int64(buf: Buffer, pos: number, end: number, st: ReadState): bigint {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) fail(st, 'truncated varint', pos);
    const b = buf[pos++]!;
    if (i < 4) lo |= (b & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (b & 0x0f) << 28;
      hi |= (b & 0x7f) >>> 4;
    } else hi |= (b & 0x7f) << (7 * i - 32);
    if (b < 0x80) {
      st.pos = pos;
      if (hi === 0) return lo >>> 0 < SMALL_INT64.length ? SMALL_INT64[lo >>> 0]! : BigInt(lo >>> 0);
      return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
    }
  }
  return fail(st, 'varint too long', pos);
}

/** The position after the field of wire type `wire` whose payload starts at `pos`. */
export function skip(buf: Buffer, pos: number, end: number, wire: number, st: ReadState): number {
  let next: number;
  switch (wire) {
    case WIRE_VARINT:
      int64(buf, pos, end, st);
      return st.pos;
    case WIRE_I64:
      next = pos + 8;
      break;
    case WIRE_LEN: {
      const n = varint(buf, pos, end, st);
      next = st.pos + n;
      break;
    }
    case WIRE_I32:
      next = pos + 4;
      break;
    default:
      return fail(st, `unsupported wire type ${wire}`, pos);
  }
  if (next > end) fail(st, 'truncated field', pos);
  return next;
}

/**
 * Feature keys repeat in every record of a file. Handing out the same string for the same key
 * bytes spares V8 a string allocation and a string-table lookup per property store. Candidates
 * are bucketed by length and last byte and compared from the end, where keys sharing a prefix
 * (`image/…`) differ. A bounded memo of a pure function (bytes → string).
 */
const KEY_MEMO = new Map<number, string[]>();
const KEY_MEMO_LIMIT = 1024;
const KEY_MEMO_BUCKET = 8;

function decodeKey(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length === 0 || length > 64) return buf.toString('utf8', start, end);
  const slot = length * 256 + buf[end - 1]!;
  const bucket = KEY_MEMO.get(slot);
  if (bucket !== undefined) {
    candidates: for (let k = 0; k < bucket.length; k++) {
      const s = bucket[k]!;
      for (let i = length - 2; i >= 0; i--) if (s.charCodeAt(i) !== buf[start + i]) continue candidates;
      return s;
    }
  }
  const key = buf.toString('utf8', start, end);
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return key; // memo compares bytes with char codes: ASCII only
  // Interned (as property keys are), so later stores under it need no string-table lookup.
  const interned = Object.keys({ [key]: 0 })[0]!;
  if (bucket === undefined) {
    if (KEY_MEMO.size >= KEY_MEMO_LIMIT) KEY_MEMO.clear();
    KEY_MEMO.set(slot, [interned]);
  } else if (bucket.length < KEY_MEMO_BUCKET) bucket.push(interned);
  return interned;
}

/** `bytes` as a Buffer over the same memory. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Parse protobuf bytes into an Example. Bytes values are views into `bytes`; `name` goes into errors. */
export function decodeExample(bytes: Uint8Array, name = '<record>'): Example {
  return decodeExampleWire(bytes, name);
}

/** Decode a serialized Example. Bytes values are views into `bytes`; `name` goes into errors. */
export function decodeExampleWire(bytes: Uint8Array, name: string): Example {
  const buf = asBuffer(bytes);
  const st: ReadState = { pos: 0, name };
  const out: Example = {};
  const end = buf.length;
  while (st.pos < end) {
    const tag = uint32(buf, end, st);
    if (tag === TAG_1_LEN) decodeFeatures(buf, len(buf, end, st), out, st);
    else st.pos = skip(buf, st.pos, end, tag & 7, st);
  }
  return out;
}

/** Decode a Features message's entries (up to `end`) into `out`. */
function decodeFeatures(buf: Buffer, end: number, out: Example, st: ReadState): void {
  while (st.pos < end) {
    const tag = uint32(buf, end, st);
    if (tag !== TAG_1_LEN) {
      st.pos = skip(buf, st.pos, end, tag & 7, st);
      continue;
    }
    const entryEnd = len(buf, end, st);
    let key = '';
    let feature: Feature | undefined;
    while (st.pos < entryEnd) {
      const t = uint32(buf, entryEnd, st);
      if (t === TAG_1_LEN) {
        const stop = len(buf, entryEnd, st);
        key = decodeKey(buf, st.pos, stop);
        st.pos = stop;
      } else if (t === TAG_2_LEN) {
        feature = decodeFeature(buf, len(buf, entryEnd, st), feature, st);
      } else st.pos = skip(buf, st.pos, entryEnd, t & 7, st);
    }
    out[key] = feature ?? { kind: 'bytes', value: [] };
  }
}

/** Decode a Feature message (up to `end`), merged into `prev` per protobuf rules. */
function decodeFeature(buf: Buffer, end: number, prev: Feature | undefined, st: ReadState): Feature {
  let f = prev;
  while (st.pos < end) {
    const tag = uint32(buf, end, st);
    // The same list kind again concatenates (protobuf merge); another kind replaces it (oneof).
    if (tag === TAG_1_LEN) {
      const value = decodeBytesList(buf, len(buf, end, st), f?.kind === 'bytes' ? (f.value as Uint8Array[]) : undefined, st);
      if (f?.value !== value) f = { kind: 'bytes', value };
    } else if (tag === TAG_2_LEN) {
      const value = decodeFloatList(buf, len(buf, end, st), f?.kind === 'float' ? (f.value as number[]) : undefined, st);
      if (f?.value !== value) f = { kind: 'float', value };
    } else if (tag === TAG_3_LEN) {
      const value = decodeInt64List(buf, len(buf, end, st), f?.kind === 'int64' ? (f.value as bigint[]) : undefined, st);
      if (f?.value !== value) f = { kind: 'int64', value };
    } else st.pos = skip(buf, st.pos, end, tag & 7, st);
  }
  return f ?? { kind: 'bytes', value: [] };
}

/*
 * The list decoders append to `values` (a list being merged) or start a new array with the
 * first value, `[v]`: an empty array's first push reserves 17 slots, and most lists hold one value.
 */

function decodeBytesList(buf: Buffer, end: number, values: Uint8Array[] | undefined, st: ReadState): Uint8Array[] {
  let out = values;
  while (st.pos < end) {
    const tag = uint32(buf, end, st);
    if (tag === TAG_1_LEN) {
      const stop = len(buf, end, st);
      const v = buf.subarray(st.pos, stop);
      if (out === undefined) out = [v];
      else out.push(v);
      st.pos = stop;
    } else st.pos = skip(buf, st.pos, end, tag & 7, st);
  }
  return out ?? [];
}

function decodeFloatList(buf: Buffer, end: number, values: number[] | undefined, st: ReadState): number[] {
  const out = values ?? [];
  while (st.pos < end) {
    const tag = uint32(buf, end, st);
    if (tag === TAG_1_LEN) {
      const stop = len(buf, end, st);
      if ((stop - st.pos) % 4 !== 0) fail(st, 'packed float list length is not a multiple of 4', st.pos);
      for (let p = st.pos; p < stop; p += 4) out.push(buf.readFloatLE(p));
      st.pos = stop;
    } else if (tag === TAG_1_I32) {
      if (st.pos + 4 > end) fail(st, 'truncated float', st.pos);
      out.push(buf.readFloatLE(st.pos));
      st.pos += 4;
    } else st.pos = skip(buf, st.pos, end, tag & 7, st);
  }
  return out;
}

function decodeInt64List(buf: Buffer, end: number, values: bigint[] | undefined, st: ReadState): bigint[] {
  let out = values;
  while (st.pos < end) {
    const tag = uint32(buf, end, st);
    if (tag === TAG_1_LEN) {
      const stop = len(buf, end, st);
      while (st.pos < stop) {
        const b = buf[st.pos]!;
        let v: bigint;
        if (b < 0x80) {
          v = SMALL_INT64[b]!;
          st.pos++;
        } else v = int64(buf, st.pos, stop, st);
        if (out === undefined) out = [v];
        else out.push(v);
      }
    } else if (tag === TAG_1_VARINT) {
      const v = int64(buf, st.pos, end, st);
      if (out === undefined) out = [v];
      else out.push(v);
    } else st.pos = skip(buf, st.pos, end, tag & 7, st);
  }
  return out ?? [];
}
