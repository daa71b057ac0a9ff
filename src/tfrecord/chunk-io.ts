import { readSync } from 'node:fs';

/** Read into all of `target` from `position` of the file `fd`; returns the bytes read (fewer only at the end of the file). */
export function readFully(fd: number, target: Uint8Array, position: number): number {
  let done = 0;
  for (let n = -1; done < target.length && n !== 0; done += n) n = readSync(fd, target, done, target.length - done, position + done);
  return done;
}
