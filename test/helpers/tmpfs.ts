/**
 * Test helper: a small tmpfs of its own, to fill the disk for real (short writes, then ENOSPC).
 *
 * ```ts
 * const fs = await mountTmpfs(600 * 1024);   // undefined when mounting is not permitted (EPERM)
 * fs.dir                                     // the mount point
 * await fs.empty()                          // remove everything on it
 * await fs.leaveFree(8192)                   // a filler file (replaced each time) takes all but 8 KiB
 * await fs.free()                            // bytes still free
 * await fs.unmount()                         // unmount and remove the mount point
 * ```
 *
 * tmpfs counts space in 4 KiB pages, so a file of n bytes takes ceil(n / 4096) pages.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readdir, rm, rmdir, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted tmpfs. */
export interface Tmpfs {
  readonly dir: string;
  /** Bytes free on it. */
  free(): Promise<number>;
  /** Remove everything on it. */
  empty(): Promise<void>;
  /** (Re)write a filler file at its root so that `bytes` (a multiple of 4096) stay free. */
  leaveFree(bytes: number): Promise<void>;
  unmount(): Promise<void>;
}

/** tmpfs's allocation unit. */
export const PAGE = 4096;

/** Mount a tmpfs of `size` bytes on a fresh folder; `undefined` when this process may not mount. */
export async function mountTmpfs(size: number): Promise<Tmpfs | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    await rmdir(dir);
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    if (/permission denied|must be superuser|EPERM|not permitted/i.test(stderr)) {
      console.warn(`tmpfs: cannot mount (${stderr.trim()}): the tests fall back to /dev/full`);
      return undefined;
    }
    throw error;
  }
  const filler = join(dir, '.filler');
  const free = async (): Promise<number> => {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    free,
    async empty() {
      for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
    },
    async leaveFree(bytes) {
      await rm(filler, { force: true });
      const take = (await free()) - bytes;
      if (take < 0) throw new Error(`tmpfs ${dir}: only ${take + bytes} bytes free, cannot leave ${bytes}`);
      const handle = await open(filler, 'w');
      try {
        if (take > 0) await handle.writeFile(Buffer.alloc(take));
      } finally {
        await handle.close();
      }
    },
    async unmount() {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      await rmdir(dir);
    },
  };
}
