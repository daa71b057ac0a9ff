import { InvalidParameterError } from '../../core/errors.js';
import { SMALL_INT64, type Feature } from './types.js';

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
