import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLdCache } from '../../src/train/gpu-ld-cache.js';
import { probeLibraries, TENSORFLOW_CUDA_LIBRARIES, type ProbeFileSystem } from '../../src/train/gpu-libraries.js';

/** A file system of the given files (path → bytes); every other path is absent. */
function fakeFs(files: Record<string, Uint8Array | string>): ProbeFileSystem {
  return {
    isFile: (p) => p in files,
    read: (p) => {
      const f = files[p];
      return f === undefined ? undefined : typeof f === 'string' ? Buffer.from(f) : f;
    },
  };
}

/** A minimal new-format ld.so.cache holding `entries` (as ldconfig writes it). */
function ldCache(entries: readonly { soname: string; path: string; flags: number }[]): Uint8Array {
  const header = 48;
  const table = header + entries.length * 24;
  const strings: Buffer[] = [];
  let at = table;
  const put = (s: string): number => {
    const b = Buffer.from(`${s}\0`);
    strings.push(b);
    at += b.length;
    return at - b.length;
  };
  const body = Buffer.alloc(table);
  body.write('glibc-ld.so.cache1.1', 0, 'latin1');
  body.writeUInt32LE(entries.length, 20);
  entries.forEach((e, i) => {
    body.writeInt32LE(e.flags, header + i * 24);
    body.writeUInt32LE(put(e.soname), header + i * 24 + 4);
    body.writeUInt32LE(put(e.path), header + i * 24 + 8);
  });
  body.writeUInt32LE(at - table, 24);
  return Buffer.concat([body, ...strings]);
}

describe('probeLibraries (pure: environment and file system)', () => {
  it('looks in LD_LIBRARY_PATH, deps/lib, the ld.so.cache and the default folders, in that order', () => {
    const cache = ldCache([
      { soname: 'libcublas.so.11', path: '/opt/cache/libcublas.so.11', flags: 0x0303 },
      { soname: 'libcudart.so.11.0', path: '/opt/cache/libcudart.so.11.0', flags: 0x0303 },
      { soname: 'libcufft.so.10', path: '/usr/lib32/libcufft.so.10', flags: 0x0003 }, // 32-bit: not for x64
      { soname: 'libcurand.so.10', path: '/gone/libcurand.so.10', flags: 0x0303 }, // in the cache, no longer on disk
    ]);
    const probe = probeLibraries({
      env: { LD_LIBRARY_PATH: '/cuda/a::/cuda/b' },
      arch: 'x64',
      packageLibDir: '/pkg/deps/lib',
      fs: fakeFs({
        '/etc/ld.so.cache': cache,
        '/cuda/b/libcudart.so.11.0': '',
        '/opt/cache/libcudart.so.11.0': '',
        '/opt/cache/libcublas.so.11': '',
        '/usr/lib32/libcufft.so.10': '',
        '/pkg/deps/lib/libcudnn.so.8': '',
        '/usr/lib/x86_64-linux-gnu/libcuda.so.1': '',
      }),
    });
    const found = Object.fromEntries(probe.libraries.map((l) => [l.soname, [l.path, l.via]]));
    expect(found['libcudart.so.11.0']).toEqual(['/cuda/b/libcudart.so.11.0', 'LD_LIBRARY_PATH']);
    expect(found['libcublas.so.11']).toEqual(['/opt/cache/libcublas.so.11', 'ld.so.cache']);
    expect(found['libcudnn.so.8']).toEqual(['/pkg/deps/lib/libcudnn.so.8', 'deps/lib']);
    expect(found['libcuda.so.1']).toEqual(['/usr/lib/x86_64-linux-gnu/libcuda.so.1', 'default folder']);
    expect(probe.missing).toEqual(['libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11']);
    expect(probe.ldLibraryPath).toEqual(['/cuda/a', '/cuda/b']);
    expect(probe.ldCache).toEqual({ path: '/etc/ld.so.cache', entries: 3 });
  });

  it('without a cache, LD_LIBRARY_PATH or package, every library is missing', () => {
    const probe = probeLibraries({ env: {}, arch: 'x64', fs: fakeFs({}) });
    expect(probe.missing).toEqual(['libcuda.so.1', ...TENSORFLOW_CUDA_LIBRARIES.map((l) => l.soname)]);
    expect(probe.ldCache.entries).toBeUndefined();
    expect(probe.packageLibDir).toBeUndefined();
  });
});

describe('parseLdCache', () => {
  it('refuses bytes that are no cache', () => {
    expect(parseLdCache(Buffer.from('not a cache at all, not at all, not at all, no'), 'x64')).toBeUndefined();
    expect(parseLdCache(new Uint8Array(0), 'x64')).toBeUndefined();
  });

  it.skipIf(!existsSync('/etc/ld.so.cache') || process.arch !== 'x64')('reads this machine\'s /etc/ld.so.cache as ldconfig -p does', () => {
    const entries = parseLdCache(readFileSync('/etc/ld.so.cache'), 'x64');
    const ldconfig = execFileSync('/sbin/ldconfig', ['-p'], { encoding: 'utf8' })
      .split('\n')
      .flatMap((line) => {
        const m = /^\s+(\S+) \(libc6,x86-64[^)]*\) => (\S+)$/.exec(line);
        return m ? [`${m[1]} ${m[2]}`] : [];
      });
    expect(ldconfig.length).toBeGreaterThan(10);
    expect(entries?.map((e) => `${e.soname} ${e.path}`).sort()).toEqual(ldconfig.sort());
  });
});
