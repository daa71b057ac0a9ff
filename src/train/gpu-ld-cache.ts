// The dynamic loader's cache (/etc/ld.so.cache), read the way glibc's ld.so reads it, so that the
// GPU check finds a CUDA library exactly where dlopen() would, without running `ldconfig -p`.

/** Magic of the format glibc has written since 2.32 (and beside the old one since 2.3). */
const NEW_MAGIC = 'glibc-ld.so.cache1.1';
/** Magic of the old format, which may precede the new one in the same file. */
const OLD_MAGIC = 'ld.so-1.7.0';
const NEW_HEADER_BYTES = 48;
const NEW_ENTRY_BYTES = 24;
const OLD_HEADER_BYTES = 16;
const OLD_ENTRY_BYTES = 12;

/** The cache's `flags` bits that name an ELF ABI (FLAG_ELF_LIBC6 with the architecture bits). */
const ARCH_FLAGS: Readonly<Record<string, number>> = {
  x64: 0x0303, // libc6, x86-64
  arm64: 0x0a03, // libc6, AArch64
};

/** One library of the cache: its soname and the file the loader opens for it. */
export interface LdCacheEntry {
  readonly soname: string;
  readonly path: string;
  readonly flags: number;
}

/**
 * The entries of an ld.so.cache for `arch` (Node's `process.arch`; other architectures are kept
 * unfiltered), or `undefined` when the bytes are not a cache in the new format.
 */
export function parseLdCache(bytes: Uint8Array, arch: string): LdCacheEntry[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  if (ascii(bytes, 0, OLD_MAGIC.length) === OLD_MAGIC) {
    if (bytes.length < OLD_HEADER_BYTES) return undefined;
    // old header: magic (11) + pad, nlibs; the new cache follows the old entries, 8-byte aligned
    const oldLibs = view.getUint32(12, true);
    start = align8(OLD_HEADER_BYTES + oldLibs * OLD_ENTRY_BYTES);
  }
  if (bytes.length < start + NEW_HEADER_BYTES || ascii(bytes, start, NEW_MAGIC.length) !== NEW_MAGIC) return undefined;
  const count = view.getUint32(start + 20, true);
  const first = start + NEW_HEADER_BYTES;
  if (first + count * NEW_ENTRY_BYTES > bytes.length) return undefined;
  const wanted = ARCH_FLAGS[arch];
  const entries: LdCacheEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = first + i * NEW_ENTRY_BYTES;
    const flags = view.getInt32(at, true);
    if (wanted !== undefined && flags !== wanted) continue;
    // string offsets of the new format count from the start of the new cache
    const soname = cString(bytes, start + view.getUint32(at + 4, true));
    const path = cString(bytes, start + view.getUint32(at + 8, true));
    if (soname !== undefined && path !== undefined) entries.push({ soname, path, flags });
  }
  return entries;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.max(0, Math.min(length, bytes.length - at))).toString('latin1');
}

function cString(bytes: Uint8Array, at: number): string | undefined {
  if (at >= bytes.length) return undefined;
  const end = bytes.indexOf(0, at);
  if (end < 0) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset + at, end - at).toString('utf8');
}
