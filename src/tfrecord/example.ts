import { createRequire } from 'node:module';
import { join } from 'node:path';
import type protobuf from 'protobufjs';
import Long from 'long';
import { packageRoot } from '../core/package-root.js';
import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import { decodeExampleWire, SMALL_INT64 } from './example-decode.js';
import { encodeExampleWire } from './example-wire.js';
import { float32Json } from './json-float.js';

/** One feature of a tf.train.Example: a typed list. int64 values are bigints so that all 64 bits survive. */
export type Feature =
  | { readonly kind: 'bytes'; readonly value: readonly Uint8Array[] }
  | { readonly kind: 'float'; readonly value: readonly number[] }
  | { readonly kind: 'int64'; readonly value: readonly bigint[] };

/** A tf.train.Example as a map from feature key to feature, in wire order. */
export type Example = Record<string, Feature>;

/** The kinds of feature. */
export type FeatureKind = Feature['kind'];

interface ProtoTypes {
  readonly Example: protobuf.Type;
}

let types: ProtoTypes | undefined;

// protobufjs is loaded on first use (only exampleToJson and tests need it), not at import
const requireCjs = createRequire(import.meta.url);

/** The protobufjs types for tensorflow.Example, loaded once from proto/. */
export function exampleTypes(): ProtoTypes {
  if (!types) {
    const root = (requireCjs('protobufjs') as typeof protobuf).loadSync(join(packageRoot(), 'proto', 'example.proto'));
    types = { Example: root.lookupType('tensorflow.Example') };
  }
  return types;
}

/** A bytes feature; strings are UTF-8 encoded. */
export function bytesFeature(...values: (Uint8Array | string)[]): Feature {
  const value = new Array<Uint8Array>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    value[i] = typeof v === 'string' ? utf8(v) : v;
  }
  return { kind: 'bytes', value };
}

/** Strings up to this long that are ASCII are copied char by char (file names, formats): the native UTF-8 encoder's call costs more. */
const SHORT_STRING = 64;

/** `Buffer.from(s, 'utf8')`, faster for short ASCII strings. */
function utf8(s: string): Buffer {
  if (s.length > SHORT_STRING) return Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return Buffer.from(s, 'utf8');
    out[i] = c;
  }
  return out;
}

/** A float feature (values are stored as float32). */
export function floatFeature(...values: number[]): Feature {
  return { kind: 'float', value: values };
}

/** An int64 feature; numbers must be safe integers. */
export function int64Feature(...values: (number | bigint)[]): Feature {
  const value = new Array<bigint>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v === 'bigint') value[i] = BigInt.asIntN(64, v);
    else if (v >= 0 && v < SMALL_INT64.length && Number.isInteger(v)) value[i] = SMALL_INT64[v]!; // labels, sizes: shared, not allocated
    else if (Number.isSafeInteger(v)) value[i] = BigInt(v);
    else throw new InvalidParameterError(`int64 value [${i}]`, 'a safe integer or a bigint', v);
  }
  return { kind: 'int64', value };
}

interface ProtoFeature {
  bytesList?: { value?: Uint8Array[] };
  floatList?: { value?: number[] };
  int64List?: { value?: (Long | number)[] };
}

interface ProtoExample {
  features?: { feature?: Record<string, ProtoFeature> };
}

function fromLong(v: Long | number): bigint {
  if (typeof v === 'number') return BigInt(v);
  return BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
}

/** Serialize an Example to protobuf bytes (features in insertion order). */
export function encodeExample(example: Example): Uint8Array {
  return encodeExampleWire(example);
}

/** Parse protobuf bytes into an Example. Bytes values are views into `bytes`. `name` goes into errors. */
export function decodeExample(bytes: Uint8Array, name = '<record>'): Example {
  return decodeExampleWire(bytes, name);
}

function decodeProto(bytes: Uint8Array, name: string): ProtoExample {
  try {
    return exampleTypes().Example.decode(bytes) as unknown as ProtoExample;
  } catch (cause) {
    throw new InvalidInputError(name, `not a tf.train.Example: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The canonical protobuf JSON form of a serialized Example, as TensorFlow's `MessageToJson`
 * gives it (lowerCamelCase field names, int64 as decimal strings, bytes as base64, floats as
 * in {@link float32Json}), on one line. The text is written here, not by `JSON.stringify`,
 * which would print -0 as `0` and 1.0 as `1`.
 */
export function exampleToJson(bytes: Uint8Array, name = '<record>'): string {
  const message = decodeProto(bytes, name);
  if (!message.features) return '{}';
  const feature = message.features.feature ?? {};
  const entries = Object.keys(feature).map((key) => `${JSON.stringify(key)}:${featureJson(feature[key]!)}`);
  return entries.length > 0 ? `{"features":{"feature":{${entries.join(',')}}}}` : '{"features":{}}';
}

function featureJson(f: ProtoFeature): string {
  if (f.bytesList) return `{"bytesList":${listJson(f.bytesList.value, (b) => `"${Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64')}"`)}}`;
  if (f.floatList) return `{"floatList":${listJson(f.floatList.value, float32Json)}}`;
  if (f.int64List) return `{"int64List":${listJson(f.int64List.value, (v) => `"${fromLong(v)}"`)}}`;
  return '{}';
}

/** `{"value":[…]}`, or `{}` for an empty list (proto3 JSON omits empty repeated fields). */
function listJson<T>(values: readonly T[] | undefined, item: (v: T) => string): string {
  return values && values.length > 0 ? `{"value":[${values.map(item).join(',')}]}` : '{}';
}

/** Typed access to one feature, with an error that names the key and what was found. */
function feature(example: Example, key: string, kind: FeatureKind, name: string): Feature {
  const f = example[key];
  if (!f) throw new InvalidInputError(name, `feature ${JSON.stringify(key)} is missing`);
  if (f.kind !== kind) throw new InvalidInputError(name, `feature ${JSON.stringify(key)} is ${f.kind}, expected ${kind}`);
  return f;
}

/** The bytes values of `key`. */
export function getBytesList(example: Example, key: string, name = '<record>'): readonly Uint8Array[] {
  return (feature(example, key, 'bytes', name) as Extract<Feature, { kind: 'bytes' }>).value;
}

/** The single bytes value of `key`. */
export function getBytes(example: Example, key: string, name = '<record>'): Uint8Array {
  const v = getBytesList(example, key, name);
  if (v.length !== 1) throw new InvalidInputError(name, `feature ${JSON.stringify(key)} has ${v.length} values, expected 1`);
  return v[0]!;
}

/** The single bytes value of `key` as UTF-8 text. */
export function getString(example: Example, key: string, name = '<record>'): string {
  const b = getBytes(example, key, name);
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
}

/** The float values of `key`. */
export function getFloatList(example: Example, key: string, name = '<record>'): readonly number[] {
  return (feature(example, key, 'float', name) as Extract<Feature, { kind: 'float' }>).value;
}

/** The int64 values of `key`. */
export function getInt64List(example: Example, key: string, name = '<record>'): readonly bigint[] {
  return (feature(example, key, 'int64', name) as Extract<Feature, { kind: 'int64' }>).value;
}

/** The single int64 value of `key` as a number (it must be a safe integer). */
export function getInt(example: Example, key: string, name = '<record>'): number {
  const v = getInt64List(example, key, name);
  if (v.length !== 1) throw new InvalidInputError(name, `feature ${JSON.stringify(key)} has ${v.length} values, expected 1`);
  const n = Number(v[0]!);
  if (!Number.isSafeInteger(n)) throw new InvalidInputError(name, `feature ${JSON.stringify(key)} value ${v[0]} is beyond 2^53`);
  return n;
}
