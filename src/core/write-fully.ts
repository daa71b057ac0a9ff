import { writeSync } from 'node:fs';
import { InternalError } from './errors.js';

/**
 * Write all of `chunk` at `position` of the file `fd`. A write may take only part of it (on a
 * nearly full disk it writes what fits, and only the next one fails with ENOSPC), so this loops
 * until all is written or a write throws. The one write loop of every file the project writes.
 */
export function writeFully(fd: number, chunk: Uint8Array, position: number): void {
  for (let done = 0; done < chunk.length; ) {
    const n = writeSync(fd, chunk, done, chunk.length - done, position + done);
    if (n <= 0) throw new InternalError(`write made no progress at byte ${position + done}`); // never loop forever
    done += n;
  }
}
