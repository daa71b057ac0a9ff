import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// crc-32 ships CRC32C (Castagnoli) as a CommonJS file without its own typings.
const CRC32C = require('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number };

/** CRC32C (Castagnoli) of `data`, as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array): number {
  return CRC32C.buf(data) >>> 0;
}

const MASK_DELTA = 0xa282ead8;

/** TensorFlow's masked CRC32C: rotate right by 15 bits and add 0xa282ead8 (mod 2^32). */
export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** Undo {@link maskCrc}. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

/** The masked CRC32C that TFRecord framing stores. */
export function maskedCrc32c(data: Uint8Array): number {
  return maskCrc(crc32c(data));
}
