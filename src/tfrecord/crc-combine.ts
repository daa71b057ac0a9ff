/*
 * CRC-32C of a concatenation from the CRCs of its parts (zlib's crc32_combine, for the
 * Castagnoli polynomial): crc(A‖B) = crc(A)·x^(8·|B|) mod P  ⊕  crc(B), in GF(2), reflected.
 * A tensor batch's CRC is then one 32-step multiply per image instead of a pass over its
 * pixels, whose CRC is computed once, when the image enters the image cache.
 */

const POLY = 0x82f63b78; // CRC-32C, reflected

/** a·b mod P (reflected bit order: bit 31 is x^0). */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N: number[] = (() => {
  const t: number[] = [];
  let p = 0x40000000; // x^1
  for (let k = 0; k < 32; k++) {
    t.push(p);
    p = multModP(p, p);
  }
  return t;
})();

/** The operator that appends `bytes` bytes: x^(8·bytes) mod P. */
export function crc32cShift(bytes: number): number {
  let p = 0x80000000; // x^0
  let k = 3; // 8 = 2^3 bits per byte
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) if (n % 2 === 1) p = multModP(X2N[k % 32]!, p);
  return p;
}

/** CRC-32C of A‖B from crc(A), crc(B) and the operator `crc32cShift(|B|)`. */
export function crc32cCombineOp(crcA: number, crcB: number, shiftB: number): number {
  return (multModP(shiftB, crcA) ^ crcB) >>> 0;
}

/**
 * A table that applies one shift operator in four lookups (the product is linear in crc(A),
 * so it is the XOR of the products of its four bytes): for the many combines of one length.
 */
export function crc32cShiftTable(bytes: number): Uint32Array {
  const op = crc32cShift(bytes);
  const t = new Uint32Array(1024);
  for (let j = 0; j < 4; j++) for (let v = 0; v < 256; v++) t[j * 256 + v] = multModP(op, (v << (8 * j)) >>> 0);
  return t;
}

/** CRC-32C of A‖B from crc(A), crc(B) and the table of {@link crc32cShiftTable}(|B|). */
export function crc32cCombineTable(crcA: number, crcB: number, table: Uint32Array): number {
  return (table[crcA & 255]! ^ table[256 + ((crcA >>> 8) & 255)]! ^ table[512 + ((crcA >>> 16) & 255)]! ^ table[768 + (crcA >>> 24)]! ^ crcB) >>> 0;
}

/** CRC-32C of A‖B from crc(A), crc(B) and |B|. */
export function crc32cCombine(crcA: number, crcB: number, lengthB: number): number {
  return crc32cCombineOp(crcA, crcB, crc32cShift(lengthB));
}
