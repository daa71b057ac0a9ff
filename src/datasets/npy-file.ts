import { InvalidInputError } from '../core/errors.js';

/** An array read from a `.npy` file, as unsigned integers. */
export interface NpyArray {
  readonly shape: readonly number[];
  /** The values; byte data is a view, wider integer types are converted. */
  readonly data: Uint8Array;
}

const MAGIC = Buffer.from('\x93NUMPY', 'latin1');

/**
 * Parse a `.npy` array of integers with values 0–255 (`|u1`, and the other little-endian integer
 * dtypes that label arrays are saved with), in C order.
 */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new InvalidInputError(name, 'not a .npy array (bad magic)');
  const major = buf[6]!;
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dataStart = (major === 1 ? 10 : 12) + headerLength;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, dataStart);
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new InvalidInputError(name, `unreadable .npy header ${JSON.stringify(header.trim())}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (fortran === 'True' && shape.length > 1) throw new InvalidInputError(name, 'Fortran-ordered arrays are not supported');
  const count = shape.reduce((a, b) => a * b, 1);
  const m = /^([<|=]?)([ui])([1248])$/.exec(descr);
  if (!m) throw new InvalidInputError(name, `dtype ${descr} is not supported (expected unsigned bytes or little-endian integers)`);
  const width = Number(m[3]);
  const body = buf.subarray(dataStart);
  if (body.length !== count * width) throw new InvalidInputError(name, `shape (${shape.join(', ')}) of ${descr} needs ${count * width} bytes but the array holds ${body.length}`);
  if (width === 1 && m[2] === 'u') return { shape, data: body };
  const data = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * width;
    const v = width === 1 ? body.readInt8(at) : width === 2 ? (m[2] === 'u' ? body.readUInt16LE(at) : body.readInt16LE(at)) : width === 4 ? (m[2] === 'u' ? body.readUInt32LE(at) : body.readInt32LE(at)) : Number(m[2] === 'u' ? body.readBigUInt64LE(at) : body.readBigInt64LE(at));
    if (v < 0 || v > 255) throw new InvalidInputError(name, `value ${v} at index ${i} is outside 0–255`);
    data[i] = v;
  }
  return { shape, data };
}
