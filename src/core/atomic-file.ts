import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WriteFailedError } from './errors.js';
import { writeFully } from './write-fully.js';

/** Temporary name a file is written under before it is renamed into place: `.<name>.partial` beside it. */
export function partialPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.partial`);
}

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** fsync before the rename, so the new file is on disk once it has the name. @default true */
  readonly sync?: boolean;
}

/**
 * Write `data` to `path` so that readers see either the old file or the whole new one:
 * write a temporary file beside it ({@link partialPathFor}), fsync, then rename over `path`.
 * On failure the temporary file is removed and the error is a {@link WriteFailedError} naming it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = partialPathFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'w');
    writeFully(handle.fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, 0);
    if (options.sync ?? true) await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw WriteFailedError.from(tmp, error);
  }
}
