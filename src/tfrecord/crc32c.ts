import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// crc-32 ships CRC32C (Castagnoli) as a CommonJS file without its own typings: the portable
// reference, and the fallback when the native one cannot load.
const CRC32C = require('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number };

/**
 * @node-rs/crc32 computes CRC32C with the CPU's CRC instructions (prebuilt binaries from npm,
 * no download at install): 3–4× crc-32 on record-sized inputs, which makes it the bound of
 * every reader. Below 64 bytes the native call costs more than the JS table walk.
 */
const native = loadNative();
const NATIVE_MIN_BYTES = 64;

function loadNative(): ((data: Uint8Array) => number) | undefined {
  if (process.env.SHARDSTREAM_CRC === 'js') return undefined;
  try {
    const mod = require('@node-rs/crc32') as { crc32c(input: Uint8Array, initial?: number): number };
    const probe = Buffer.from('123456789');
    return mod.crc32c(probe) >>> 0 === 0xe3069283 ? (data) => mod.crc32c(data) : undefined;
  } catch {
    return undefined;
  }
}

/** Which implementation computes CRC32C here: `native` (@node-rs/crc32) or `js` (crc-32). */
export const crc32cImplementation: 'native' | 'js' = native ? 'native' : 'js';

/** CRC32C (Castagnoli) of `data`, as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array): number {
  if (native !== undefined && data.length >= NATIVE_MIN_BYTES) return native(data) >>> 0;
  return CRC32C.buf(data) >>> 0;
}

/** CRC32C's byte table (reflected polynomial 0x82f63b78), for {@link crc32cRange}. */
const TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c;
});

/** CRC32C of `buf[start, end)` without making a view of it: for the 8-byte length of every record header. */
export function crc32cRange(buf: Uint8Array, start: number, end: number): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC32C with crc-32's portable JavaScript, whatever {@link crc32c} uses. */
export function crc32cJs(data: Uint8Array): number {
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
