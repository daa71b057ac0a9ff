import { createRequire } from 'node:module';
import { join } from 'node:path';
import type protobuf from 'protobufjs';
import type Long from 'long';
import { InvalidInputError } from '../../core/errors.js';
import { packageRoot } from '../../core/package-root.js';
import { float32Json } from './json-float.js';

/*
 * The JSON form of a record (DESIGN §2), through protobufjs: the reference decoder, loaded on
 * first use (only exampleToJson and tests need it), not at import.
 */

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
