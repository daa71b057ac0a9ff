import { InvalidInputError } from '../core/errors.js';

/** An IDX array of unsigned bytes (the MNIST file format). */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parse an IDX file of unsigned bytes with `ndims` dimensions (3 for images, 1 for labels):
 * magic `00 00 08 <ndims>`, big-endian uint32 sizes, then the data, which must fill the file exactly.
 */
export function parseIdx(bytes: Uint8Array, file: string, ndims: number): IdxArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw new InvalidInputError(file, `not an IDX file: ${bytes.length} bytes`);
  const magic = view.getUint32(0, false);
  const expected = 0x0800 | ndims;
  if (magic !== expected) {
    throw new InvalidInputError(file, `expected the IDX magic 0x${hex(expected)} (unsigned bytes, ${ndims} dimension${ndims === 1 ? '' : 's'}) but found 0x${hex(magic)}`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new InvalidInputError(file, `truncated IDX header: ${bytes.length} bytes, expected ${headerBytes}`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - headerBytes !== size) {
    throw new InvalidInputError(file, `the header says ${dims.join('×')} (${size} bytes of data) but the file holds ${bytes.length - headerBytes}`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
