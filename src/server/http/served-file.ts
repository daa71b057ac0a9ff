import type { FileHandle } from 'node:fs/promises';
import { FileChangedError } from '../../core/errors.js';

/** A file the server may send: a shard from its open handle, or an index or manifest held in memory. */
export interface ServedFile {
  readonly name: string;
  readonly size: number;
  /** Strong, quoted entity tag. */
  readonly etag: string;
  /** Modification time, whole seconds (what an HTTP-date carries). */
  readonly lastModified: Date;
  readonly contentType: string;
  /** Bytes `start` to `end` inclusive, in chunks of at most `chunkBytes`. */
  chunks(start: number, end: number, chunkBytes?: number): AsyncGenerator<Buffer>;
}

/** Chunk size of file bodies. @default 256 KiB */
export const FILE_CHUNK_BYTES = 256 * 1024;

/** A served file backed by an open handle (kept open, so it stays the file the manifest describes). */
export function handleFile(fields: Omit<ServedFile, 'chunks'>, handle: FileHandle): ServedFile {
  return {
    ...fields,
    async *chunks(start, end, chunkBytes = FILE_CHUNK_BYTES) {
      let pos = start;
      while (pos <= end) {
        const want = Math.min(chunkBytes, end + 1 - pos);
        // A fresh buffer per chunk: the consumer may hold it after we move on.
        const buf = Buffer.allocUnsafeSlow(want);
        const { bytesRead } = await handle.read(buf, 0, want, pos);
        if (bytesRead === 0) throw new FileChangedError(fields.name, `file ended at byte ${pos}, expected ${fields.size} bytes`);
        pos += bytesRead;
        yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
      }
    },
  };
}

/** A served file held in memory. */
export function memoryFile(fields: Omit<ServedFile, 'chunks' | 'size'>, bytes: Buffer): ServedFile {
  return {
    ...fields,
    size: bytes.length,
    async *chunks(start, end, chunkBytes = FILE_CHUNK_BYTES) {
      for (let pos = start; pos <= end; pos += chunkBytes) yield bytes.subarray(pos, Math.min(end + 1, pos + chunkBytes));
    },
  };
}

/** Truncate a time to whole seconds. */
export function wholeSeconds(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 1000) * 1000);
}
