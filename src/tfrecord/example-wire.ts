import type { Example, Feature } from './example.js';

/*
 * The hand-written encoder of tensorflow.Example (the decoder is example-decode.ts). protobufjs
 * stays the reference; the tests check the two against each other.
 *
 * Example   { Features features = 1; }
 * Features  { map<string, Feature> feature = 1; }   (entries: key = 1, value = 2)
 * Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
 * XxxList   { repeated <bytes | float (packed) | int64 (packed)> value = 1; }
 *
 * Encoding is two passes: {@link planExample} sizes every nested message, then
 * {@link writeExampleInto} writes into any buffer with room, so a writer can encode straight
 * into its output buffer.
 */

const TAG_1_LEN = (1 << 3) | 2;
const TAG_2_LEN = (2 << 3) | 2;
const TAG_3_LEN = (3 << 3) | 2;

/** Bytes of a protobuf varint for a non-negative safe integer. */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x20_0000) return 3;
  if (n < 0x1000_0000) return 4;
  let size = 5;
  for (n = Math.floor(n / 0x8_0000_0000); n > 0; n = Math.floor(n / 128)) size++;
  return size;
}

/** Write a protobuf varint of a non-negative safe integer at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n > 0x7fffffff) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

function int64Size(v: bigint): number {
  if (v >= 0n && v < 0x8000_0000n) return varintSize(Number(v));
  if (v < 0n) return 10;
  let u = v;
  let size = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    size++;
  }
  return size;
}

function writeInt64(buf: Buffer, pos: number, v: bigint): number {
  if (v >= 0n && v < 0x8000_0000n) return writeVarint(buf, pos, Number(v));
  let u = BigInt.asUintN(64, v);
  while (u >= 0x80n) {
    buf[pos++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[pos++] = Number(u);
  return pos;
}

/**
 * Feature keys repeat in every Example a writer writes: their UTF-8 bytes are kept (a bounded
 * memo of a pure function, string → bytes) and copied byte by byte, which beats both encoding
 * the string again and a native copy call for a dozen bytes.
 */
const KEY_BYTES = new Map<string, Uint8Array>();
const KEY_BYTES_LIMIT = 1024;

function keyBytes(key: string): Uint8Array {
  let bytes = KEY_BYTES.get(key);
  if (bytes === undefined) {
    bytes = Buffer.from(key, 'utf8');
    if (KEY_BYTES.size >= KEY_BYTES_LIMIT) KEY_BYTES.clear();
    KEY_BYTES.set(key, bytes);
  }
  return bytes;
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
    case 'int64':
      return f.value.length === 0 ? 0 : 1 + varintSize(int64sSize(f.value)) + int64sSize(f.value);
  }
}

function int64sSize(values: readonly bigint[]): number {
  let n = 0;
  for (const v of values) n += int64Size(v);
  return n;
}

/** What {@link writeExampleInto} needs, worked out once. */
export interface ExamplePlan {
  /** Serialized size of the whole Example. */
  readonly size: number;
  readonly featuresSize: number;
  /** Per feature, in order: its key's UTF-8 bytes and the feature. */
  readonly keys: readonly Uint8Array[];
  readonly features: readonly Feature[];
  /** Per feature: list body, Feature message and map entry sizes. */
  readonly sizes: readonly number[];
}

/** Size an Example for {@link writeExampleInto}. */
export function planExample(example: Example): ExamplePlan {
  const names = Object.keys(example);
  const keys = new Array<Uint8Array>(names.length);
  const features = new Array<Feature>(names.length);
  const sizes = new Array<number>(names.length * 3); // not an Int32Array: allocating one costs ~0.7 µs
  let featuresSize = 0;
  for (let i = 0; i < names.length; i++) {
    const key = keyBytes(names[i]!);
    const feature = example[names[i]!]!;
    const list = listBodySize(feature);
    const featureSize = 1 + varintSize(list) + list;
    const entry = 1 + varintSize(key.length) + key.length + 1 + varintSize(featureSize) + featureSize;
    keys[i] = key;
    features[i] = feature;
    sizes[i * 3] = list;
    sizes[i * 3 + 1] = featureSize;
    sizes[i * 3 + 2] = entry;
    featuresSize += 1 + varintSize(entry) + entry;
  }
  return { size: 1 + varintSize(featuresSize) + featuresSize, featuresSize, keys, features, sizes };
}

/**
 * Serialize the Example that `plan` was made from into `buf` at `pos` (features in insertion
 * order; floats and int64s packed, as TensorFlow writes them); returns the position after it.
 * `buf` needs `plan.size` bytes of room.
 */
export function writeExampleInto(plan: ExamplePlan, buf: Buffer, pos: number): number {
  const { keys, features, sizes } = plan;
  let p = pos;
  buf[p++] = TAG_1_LEN;
  p = writeVarint(buf, p, plan.featuresSize);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const f = features[i]!;
    buf[p++] = TAG_1_LEN;
    p = writeVarint(buf, p, sizes[i * 3 + 2]!);
    buf[p++] = TAG_1_LEN;
    p = writeVarint(buf, p, key.length);
    for (let k = 0; k < key.length; k++) buf[p + k] = key[k]!;
    p += key.length;
    buf[p++] = TAG_2_LEN;
    p = writeVarint(buf, p, sizes[i * 3 + 1]!);
    buf[p++] = f.kind === 'bytes' ? TAG_1_LEN : f.kind === 'float' ? TAG_2_LEN : TAG_3_LEN;
    p = writeVarint(buf, p, sizes[i * 3]!);
    switch (f.kind) {
      case 'bytes':
        for (const v of f.value) {
          buf[p++] = TAG_1_LEN;
          p = writeVarint(buf, p, v.length);
          buf.set(v, p);
          p += v.length;
        }
        break;
      case 'float':
        if (f.value.length > 0) {
          buf[p++] = TAG_1_LEN;
          p = writeVarint(buf, p, f.value.length * 4);
          for (const v of f.value) p = buf.writeFloatLE(v, p);
        }
        break;
      case 'int64':
        if (f.value.length > 0) {
          buf[p++] = TAG_1_LEN;
          p = writeVarint(buf, p, int64sSize(f.value));
          for (const v of f.value) p = writeInt64(buf, p, v);
        }
        break;
    }
  }
  if (p - pos !== plan.size) throw new Error(`writeExampleInto: wrote ${p - pos} bytes, planned ${plan.size}`);
  return p;
}

/** Serialize an Example into a new buffer. */
export function encodeExampleWire(example: Example): Buffer {
  const plan = planExample(example);
  const buf = Buffer.allocUnsafe(plan.size);
  writeExampleInto(plan, buf, 0);
  return buf;
}
