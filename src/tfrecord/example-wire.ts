import { InvalidInputError } from '../core/errors.js';
import type { Example, Feature } from './example.js';

/*
 * A hand-written protobuf codec for tensorflow.Example, the hot path of every reader and
 * writer: about ten times faster than the generic protobufjs reflection code (see bench/),
 * which stays the reference (the tests check the two against each other).
 *
 * Example   { Features features = 1; }
 * Features  { map<string, Feature> feature = 1; }   (entries: key = 1, value = 2)
 * Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
 * XxxList   { repeated <bytes | float (packed) | int64 (packed)> value = 1; }
 */

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

class Cursor {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    readonly name: string,
  ) {}

  fail(what: string): never {
    throw new InvalidInputError(this.name, `not a tf.train.Example: ${what} at byte ${this.pos}`);
  }

  /** A varint that must fit in 32 bits unsigned (tags and lengths). */
  uint32(end: number): number {
    const buf = this.buf;
    if (this.pos < end && buf[this.pos]! < 0x80) return buf[this.pos++]!;
    let result = 0;
    let shift = 0;
    while (shift < 35) {
      if (this.pos >= end) this.fail('truncated varint');
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (result > 0xffffffff) this.fail('varint too large');
        return result;
      }
      shift += 7;
    }
    return this.fail('varint too long');
  }

  /** A full 64-bit varint as a signed bigint. */
  int64(end: number): bigint {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; i < 10; i++) {
      if (this.pos >= end) this.fail('truncated varint');
      const b = buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) break;
    }
    if (i === 10) this.fail('varint too long');
    if (hi === 0) return BigInt(lo >>> 0);
    return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
  }

  /** Length-delimited field: returns its end; `pos` is left at its start. */
  len(end: number): number {
    const n = this.uint32(end);
    const stop = this.pos + n;
    if (stop > end) this.fail('truncated length-delimited field');
    return stop;
  }

  skip(wire: number, end: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.int64(end);
        return;
      case WIRE_I64:
        this.pos += 8;
        break;
      case WIRE_LEN:
        this.pos = this.len(end);
        return;
      case WIRE_I32:
        this.pos += 4;
        break;
      default:
        this.fail(`unsupported wire type ${wire}`);
    }
    if (this.pos > end) this.fail('truncated field');
  }
}

const TAG_1_LEN = (1 << 3) | WIRE_LEN;
const TAG_2_LEN = (2 << 3) | WIRE_LEN;

/**
 * Feature keys repeat in every record of a file. Handing out the same string for the same key
 * bytes lets V8 store Example properties on a known key instead of hashing a fresh string each
 * time: the largest single cost of decoding. A bounded memo of pure results (bytes → string).
 */
const KEY_MEMO = new Map<number, string>();
const KEY_MEMO_LIMIT = 4096;

function decodeKey(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length > 64) return buf.toString('utf8', start, end);
  let hash = 0x811c9dc5 ^ length;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
  const cached = KEY_MEMO.get(hash);
  if (cached !== undefined && sameAscii(cached, buf, start, end)) return cached;
  const key = buf.toString('utf8', start, end);
  if (KEY_MEMO.size >= KEY_MEMO_LIMIT) KEY_MEMO.clear();
  if (isAscii(buf, start, end)) KEY_MEMO.set(hash, key);
  return key;
}

function sameAscii(s: string, buf: Buffer, start: number, end: number): boolean {
  if (s.length !== end - start) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

/** Decode a serialized Example. Bytes values are views into `bytes`. */
export function decodeExampleWire(bytes: Uint8Array, name: string): Example {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Example = {};
  const c = new Cursor(buf, name);
  const end = buf.length;
  while (c.pos < end) {
    const tag = c.uint32(end);
    if (tag === TAG_1_LEN) decodeFeatures(c, c.len(end), out);
    else c.skip(tag & 7, end);
  }
  return out;
}

function decodeFeatures(c: Cursor, end: number, out: Example): void {
  while (c.pos < end) {
    const tag = c.uint32(end);
    if (tag !== TAG_1_LEN) {
      c.skip(tag & 7, end);
      continue;
    }
    const entryEnd = c.len(end);
    let key = '';
    let feature: Feature | undefined;
    while (c.pos < entryEnd) {
      const t = c.uint32(entryEnd);
      if (t === TAG_1_LEN) {
        const keyEnd = c.len(entryEnd);
        key = decodeKey(c.buf, c.pos, keyEnd);
        c.pos = keyEnd;
      } else if (t === TAG_2_LEN) {
        feature = decodeFeature(c, c.len(entryEnd), feature);
      } else c.skip(t & 7, entryEnd);
    }
    out[key] = feature ?? { kind: 'bytes', value: [] };
  }
}

function decodeFeature(c: Cursor, end: number, prev: Feature | undefined): Feature {
  let f = prev;
  while (c.pos < end) {
    const tag = c.uint32(end);
    const field = tag >>> 3;
    if ((tag & 7) !== WIRE_LEN || field < 1 || field > 3) {
      c.skip(tag & 7, end);
      continue;
    }
    const listEnd = c.len(end);
    // Repeated occurrences of the same list merge (protobuf semantics); another kind replaces it (oneof).
    if (field === 1) {
      const value = f?.kind === 'bytes' ? (f.value as Uint8Array[]) : [];
      decodeBytesList(c, listEnd, value);
      f = { kind: 'bytes', value };
    } else if (field === 2) {
      const value = f?.kind === 'float' ? (f.value as number[]) : [];
      decodeFloatList(c, listEnd, value);
      f = { kind: 'float', value };
    } else {
      const value = f?.kind === 'int64' ? (f.value as bigint[]) : [];
      decodeInt64List(c, listEnd, value);
      f = { kind: 'int64', value };
    }
  }
  return f ?? { kind: 'bytes', value: [] };
}

function decodeBytesList(c: Cursor, end: number, values: Uint8Array[]): void {
  while (c.pos < end) {
    const tag = c.uint32(end);
    if (tag === TAG_1_LEN) {
      const stop = c.len(end);
      values.push(c.buf.subarray(c.pos, stop));
      c.pos = stop;
    } else c.skip(tag & 7, end);
  }
}

function decodeFloatList(c: Cursor, end: number, values: number[]): void {
  while (c.pos < end) {
    const tag = c.uint32(end);
    if (tag === TAG_1_LEN) {
      const stop = c.len(end);
      if ((stop - c.pos) % 4 !== 0) c.fail('packed float list length is not a multiple of 4');
      for (let p = c.pos; p < stop; p += 4) values.push(c.buf.readFloatLE(p));
      c.pos = stop;
    } else if (tag === ((1 << 3) | WIRE_I32)) {
      if (c.pos + 4 > end) c.fail('truncated float');
      values.push(c.buf.readFloatLE(c.pos));
      c.pos += 4;
    } else c.skip(tag & 7, end);
  }
}

function decodeInt64List(c: Cursor, end: number, values: bigint[]): void {
  while (c.pos < end) {
    const tag = c.uint32(end);
    if (tag === TAG_1_LEN) {
      const stop = c.len(end);
      while (c.pos < stop) values.push(c.int64(stop));
    } else if (tag === ((1 << 3) | WIRE_VARINT)) {
      values.push(c.int64(end));
    } else c.skip(tag & 7, end);
  }
}

// ---- encoding ----

/** Bytes of a protobuf varint for a non-negative safe integer. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function int64Size(v: bigint): number {
  if (v >= 0n && v < 0x80000000n) return varintSize(Number(v));
  if (v < 0n) return 10;
  let u = v;
  let size = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    size++;
  }
  return size;
}

/** Write a protobuf varint of a non-negative safe integer at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

function writeInt64(buf: Buffer, pos: number, v: bigint): number {
  if (v >= 0n && v < 0x80000000n) return writeVarint(buf, pos, Number(v));
  let u = BigInt.asUintN(64, v);
  while (u >= 0x80n) {
    buf[pos++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[pos++] = Number(u);
  return pos;
}

/** Size of the list message's payload (the body of BytesList / FloatList / Int64List). */
function listBodySize(f: Feature): number {
  switch (f.kind) {
    case 'bytes': {
      let n = 0;
      for (const v of f.value) n += 1 + varintSize(v.length) + v.length;
      return n;
    }
    case 'float':
      return f.value.length === 0 ? 0 : 1 + varintSize(f.value.length * 4) + f.value.length * 4;
    case 'int64': {
      if (f.value.length === 0) return 0;
      let n = 0;
      for (const v of f.value) n += int64Size(v);
      return 1 + varintSize(n) + n;
    }
  }
}

/** Serialize an Example (features in insertion order; floats and int64s packed, as TensorFlow writes them). */
export function encodeExampleWire(example: Example): Buffer {
  const keys = Object.keys(example);
  const keyBytes = keys.map((k) => Buffer.from(k, 'utf8'));
  const listSizes = new Array<number>(keys.length);
  const featureSizes = new Array<number>(keys.length);
  const entrySizes = new Array<number>(keys.length);
  let featuresSize = 0;
  for (let i = 0; i < keys.length; i++) {
    const list = listBodySize(example[keys[i]!]!);
    const feature = 1 + varintSize(list) + list;
    const entry = 1 + varintSize(keyBytes[i]!.length) + keyBytes[i]!.length + 1 + varintSize(feature) + feature;
    listSizes[i] = list;
    featureSizes[i] = feature;
    entrySizes[i] = entry;
    featuresSize += 1 + varintSize(entry) + entry;
  }
  const total = 1 + varintSize(featuresSize) + featuresSize;
  const buf = Buffer.allocUnsafe(total);
  let p = 0;
  buf[p++] = (1 << 3) | WIRE_LEN;
  p = writeVarint(buf, p, featuresSize);
  for (let i = 0; i < keys.length; i++) {
    const f = example[keys[i]!]!;
    const key = keyBytes[i]!;
    buf[p++] = (1 << 3) | WIRE_LEN;
    p = writeVarint(buf, p, entrySizes[i]!);
    buf[p++] = (1 << 3) | WIRE_LEN;
    p = writeVarint(buf, p, key.length);
    p += key.copy(buf, p);
    buf[p++] = (2 << 3) | WIRE_LEN;
    p = writeVarint(buf, p, featureSizes[i]!);
    buf[p++] = ((f.kind === 'bytes' ? 1 : f.kind === 'float' ? 2 : 3) << 3) | WIRE_LEN;
    p = writeVarint(buf, p, listSizes[i]!);
    switch (f.kind) {
      case 'bytes':
        for (const v of f.value) {
          buf[p++] = (1 << 3) | WIRE_LEN;
          p = writeVarint(buf, p, v.length);
          buf.set(v, p);
          p += v.length;
        }
        break;
      case 'float':
        if (f.value.length > 0) {
          buf[p++] = (1 << 3) | WIRE_LEN;
          p = writeVarint(buf, p, f.value.length * 4);
          for (const v of f.value) p = buf.writeFloatLE(v, p);
        }
        break;
      case 'int64':
        if (f.value.length > 0) {
          let n = 0;
          for (const v of f.value) n += int64Size(v);
          buf[p++] = (1 << 3) | WIRE_LEN;
          p = writeVarint(buf, p, n);
          for (const v of f.value) p = writeInt64(buf, p, v);
        }
        break;
    }
  }
  if (p !== total) throw new Error(`encodeExampleWire: wrote ${p} bytes, planned ${total}`);
  return buf;
}
