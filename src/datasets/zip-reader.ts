import { crc32, inflateRawSync } from 'node:zlib';
import { InvalidInputError } from '../core/errors.js';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const ZIP64_EXTRA = 0x0001;

/**
 * Read every entry of a zip archive held in memory (what `.npz` files are): stored and deflated
 * entries, with the Zip64 size fields numpy writes (`force_zip64`). CRCs and sizes are checked.
 */
export function readZip(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new InvalidInputError(file, `not a readable zip archive: ${what}`);
  };
  let eocd = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 0xffff); p--) {
    if (buf.readUInt32LE(p) === EOCD_SIGNATURE) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record');
  const entries = buf.readUInt16LE(eocd + 10);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdOffset === 0xffffffff) fail('Zip64 archives with this many entries or bytes are not supported');
  const out = new Map<string, Uint8Array>();
  let p = cdOffset;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL_SIGNATURE) fail(`bad central directory entry ${e} at byte ${p}`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    let compressed = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    let local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLength);
    // Zip64: the fields that are 0xffffffff come, in this order, from the 0x0001 extra field.
    let x = p + 46 + nameLength;
    const extraEnd = x + extraLength;
    while (x + 4 <= extraEnd) {
      const id = buf.readUInt16LE(x);
      const len = buf.readUInt16LE(x + 2);
      if (id === ZIP64_EXTRA) {
        let f = x + 4;
        const next = (): number => {
          const v = Number(buf.readBigUInt64LE(f));
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (local === 0xffffffff) local = next();
      }
      x += 4 + len;
    }
    p = extraEnd + commentLength;

    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL_SIGNATURE) fail(`bad local header of ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + compressed > buf.length) fail(`${name} runs past the end of the file`);
    const raw = buf.subarray(start, start + compressed);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (cause) {
        throw new InvalidInputError(file, `${name}: cannot inflate: ${(cause as Error).message}`, { cause });
      }
    } else return fail(`${name} uses compression method ${method} (only stored and deflate are supported)`);
    if (data.length !== size) fail(`${name} holds ${data.length} bytes, the directory says ${size}`);
    if (crc32(data) >>> 0 !== crc) fail(`${name}: CRC mismatch`);
    out.set(name, data);
  }
  return out;
}
