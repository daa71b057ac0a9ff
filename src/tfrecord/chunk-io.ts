import { writeSync } from 'node:fs';

/** Write all of `chunk` at `position` of the file `fd` (a write may take only part). */
export function writeFully(fd: number, chunk: Uint8Array, position: number): void {
  for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done, position + done);
}
