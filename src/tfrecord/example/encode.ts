import type { Example, Feature } from './types.js';
import { InternalError } from '../../core/errors.js';

/*
 * The hand-written encoder of tensorflow.Example (the decoder is decode.ts). protobufjs
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
  if (v < 0n) return 10;
  if (v < 0x80n) return 1; // labels, small sizes: one comparison fewer
  if (v < 0x8000_0000n) return varintSize(Number(v));
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

/** Size of the payload of a packed list (FloatList / Int64List values). */
function packedSize(f: Feature): number {
  switch (f.kind) {
    case 'bytes':
      return 0;
    case 'float':
      return f.value.length * 4;
    case 'int64': {
      let n = 0;
      for (const v of f.value) n += int64Size(v);
      return n;
    }
  }
}

/** Size of the list message's payload (the body of BytesList / FloatList / Int64List), given its packed size. */
function listBodySize(f: Feature, packed: number): number {
  if (f.kind === 'bytes') {
    let n = 0;
    for (const v of f.value) n += 1 + varintSize(v.length) + v.length;
    return n;
  }
  return f.value.length === 0 ? 0 : 1 + varintSize(packed) + packed;
}

/** Below this many bytes a value is copied byte by byte: `set` costs more than the loop (file names, formats). */
const SMALL_COPY = 64;

/** Numbers {@link planExample} keeps per feature, in `sizes`. */
const SIZES_PER_FEATURE = 4;

/**
 * What {@link writeExampleInto} needs, worked out once. A writer keeps one and plans each
 * Example into it (see {@link newExamplePlan}): no allocation per record.
 */
export interface ExamplePlan {
  /** Serialized size of the whole Example. */
  size: number;
  featuresSize: number;
  /** Features planned: the first `count` entries of the arrays below are this Example's. */
  count: number;
  /** Per feature, in order: its key, the key's UTF-8 bytes and the feature. */
  readonly names: string[];
  readonly keys: Uint8Array[];
  readonly features: Feature[];
  /** Per feature: list body, Feature message, map entry and packed payload sizes. */
  readonly sizes: number[];
}

/** An empty plan to reuse with {@link planExample}. */
export function newExamplePlan(): ExamplePlan {
  return { size: 0, featuresSize: 0, count: 0, names: [], keys: [], features: [], sizes: [] }; // not an Int32Array: it would have to grow
}

/** Size an Example for {@link writeExampleInto}, into `plan` (a new one unless given). */
export function planExample(example: Example, plan: ExamplePlan = newExamplePlan()): ExamplePlan {
  const { keys, features, sizes } = plan;
  const names = Object.keys(example);
  let featuresSize = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    // a writer's Examples mostly have the same keys in the same order as the one before
    const key = plan.names[i] === name ? keys[i]! : keyBytes(name);
    plan.names[i] = name;
    const feature = example[name]!;
    const packed = packedSize(feature);
    const list = listBodySize(feature, packed);
    const featureSize = 1 + varintSize(list) + list;
    const entry = 1 + varintSize(key.length) + key.length + 1 + varintSize(featureSize) + featureSize;
    keys[i] = key;
    features[i] = feature;
    const s = i * SIZES_PER_FEATURE;
    sizes[s] = list;
    sizes[s + 1] = featureSize;
    sizes[s + 2] = entry;
    sizes[s + 3] = packed;
    featuresSize += 1 + varintSize(entry) + entry;
  }
  plan.count = names.length;
  plan.featuresSize = featuresSize;
  plan.size = 1 + varintSize(featuresSize) + featuresSize;
  return plan;
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
  for (let i = 0; i < plan.count; i++) {
    const key = keys[i]!;
    const f = features[i]!;
    const s = i * SIZES_PER_FEATURE;
    buf[p++] = TAG_1_LEN;
    p = writeVarint(buf, p, sizes[s + 2]!);
    buf[p++] = TAG_1_LEN;
    p = writeVarint(buf, p, key.length);
    for (let k = 0; k < key.length; k++) buf[p + k] = key[k]!; // keys are short: see keyBytes
    p += key.length;
    buf[p++] = TAG_2_LEN;
    p = writeVarint(buf, p, sizes[s + 1]!);
    buf[p++] = f.kind === 'bytes' ? TAG_1_LEN : f.kind === 'float' ? TAG_2_LEN : TAG_3_LEN;
    p = writeVarint(buf, p, sizes[s]!);
    switch (f.kind) {
      case 'bytes':
        for (const v of f.value) {
          buf[p++] = TAG_1_LEN;
          p = writeVarint(buf, p, v.length);
          if (v.length < SMALL_COPY) for (let k = 0; k < v.length; k++) buf[p + k] = v[k]!;
          else buf.set(v, p);
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
          p = writeVarint(buf, p, sizes[s + 3]!);
          for (const v of f.value) p = writeInt64(buf, p, v);
        }
        break;
    }
  }
  if (p - pos !== plan.size) throw new InternalError(`writeExampleInto: wrote ${p - pos} bytes, planned ${plan.size}`);
  return p;
}

/** Serialize an Example into a new buffer. */
export function encodeExampleWire(example: Example): Buffer {
  const plan = planExample(example);
  const buf = Buffer.allocUnsafe(plan.size);
  writeExampleInto(plan, buf, 0);
  return buf;
}

/** Serialize an Example to protobuf bytes (features in insertion order). */
export function encodeExample(example: Example): Uint8Array {
  return encodeExampleWire(example);
}
