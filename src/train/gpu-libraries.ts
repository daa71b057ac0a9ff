// Where the dynamic loader would find the CUDA libraries that libtensorflow opens at start: a
// pure function of the environment and the file system, so that tests can fake both.
import { join } from 'node:path';
import { parseLdCache } from './gpu-ld-cache.js';

/** A shared library that TensorFlow dlopen()s by soname, and what it is. */
export interface CudaLibrary {
  readonly soname: string;
  readonly what: string;
}

/** The NVIDIA driver's user-space library; every CUDA build needs it, whatever its version. */
export const DRIVER_LIBRARY: CudaLibrary = { soname: 'libcuda.so.1', what: 'NVIDIA driver' };

/**
 * What libtensorflow 2.9.1 (the build under @tensorflow/tfjs-node-gpu 4.22) opens for a GPU:
 * CUDA 11.2 and cuDNN 8.1 (TensorFlow's tested build configurations; its log names them as
 * `Could not load dynamic library 'libcudart.so.11.0'`).
 */
export const TENSORFLOW_CUDA_LIBRARIES: readonly CudaLibrary[] = [
  { soname: 'libcudart.so.11.0', what: 'CUDA 11 runtime' },
  { soname: 'libcublas.so.11', what: 'cuBLAS 11' },
  { soname: 'libcublasLt.so.11', what: 'cuBLASLt 11' },
  { soname: 'libcufft.so.10', what: 'cuFFT 10 (CUDA 11)' },
  { soname: 'libcurand.so.10', what: 'cuRAND 10 (CUDA 11)' },
  { soname: 'libcusolver.so.11', what: 'cuSOLVER 11' },
  { soname: 'libcusparse.so.11', what: 'cuSPARSE 11' },
  { soname: 'libcudnn.so.8', what: 'cuDNN 8' },
];

/** The file system as the probe sees it. */
export interface ProbeFileSystem {
  /** True when `path` is a file (a link is followed; a dangling one is no file). */
  isFile(path: string): boolean;
  /** The bytes of `path`, or undefined when it cannot be read. */
  read(path: string): Uint8Array | undefined;
}

/** Inputs of {@link probeLibraries}. */
export interface LibraryProbeInput {
  /** `LD_LIBRARY_PATH` is read from it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fs: ProbeFileSystem;
  /** Node's `process.arch`: picks the cache entries and the default folders. */
  readonly arch: string;
  /** The native package's `deps/lib` (where libtensorflow lies), when the package is there. */
  readonly packageLibDir?: string | undefined;
  /** @default '/etc/ld.so.cache' */
  readonly ldCachePath?: string;
  /** @default DRIVER_LIBRARY then TENSORFLOW_CUDA_LIBRARIES */
  readonly libraries?: readonly CudaLibrary[];
}

/** Where one library was found, if anywhere. */
export interface LibraryLookup extends CudaLibrary {
  /** The file the loader would open, or undefined when it would fail. */
  readonly path: string | undefined;
  /** Which step of the search found it. */
  readonly via: 'LD_LIBRARY_PATH' | 'deps/lib' | 'ld.so.cache' | 'default folder' | undefined;
}

/** The outcome of a probe: every library and every place looked at. */
export interface LibraryProbe {
  readonly libraries: readonly LibraryLookup[];
  /** Sonames that were not found anywhere. */
  readonly missing: readonly string[];
  readonly ldLibraryPath: readonly string[];
  readonly packageLibDir: string | undefined;
  /** The cache file and its entry count for this architecture; `entries` is undefined when unreadable. */
  readonly ldCache: { readonly path: string; readonly entries: number | undefined };
  readonly defaultDirs: readonly string[];
}

/** The loader's built-in folders (glibc's system dirs, with Debian's multiarch ones first). */
export function defaultLibraryDirs(arch: string): string[] {
  const triplet = arch === 'arm64' ? 'aarch64-linux-gnu' : arch === 'x64' ? 'x86_64-linux-gnu' : undefined;
  const multiarch = triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : [];
  return [...multiarch, '/lib64', '/usr/lib64', '/lib', '/usr/lib'];
}

/**
 * Finds each library as `dlopen(soname)` from libtensorflow would: `LD_LIBRARY_PATH`, then the
 * library's own folder (its `$ORIGIN`, the package's `deps/lib`), then the ld.so.cache, then
 * the default folders.
 */
export function probeLibraries(input: LibraryProbeInput): LibraryProbe {
  const ldLibraryPath = (input.env.LD_LIBRARY_PATH ?? '').split(/[:;]/).filter((d) => d !== '');
  const ldCachePath = input.ldCachePath ?? '/etc/ld.so.cache';
  const cacheBytes = input.fs.read(ldCachePath);
  const cache = cacheBytes ? parseLdCache(cacheBytes, input.arch) : undefined;
  const defaultDirs = defaultLibraryDirs(input.arch);
  const inDirs = (dirs: readonly string[], soname: string): string | undefined =>
    dirs.map((d) => join(d, soname)).find((p) => input.fs.isFile(p));

  const libraries = (input.libraries ?? [DRIVER_LIBRARY, ...TENSORFLOW_CUDA_LIBRARIES]).map((lib): LibraryLookup => {
    const steps: Array<[LibraryLookup['via'], () => string | undefined]> = [
      ['LD_LIBRARY_PATH', () => inDirs(ldLibraryPath, lib.soname)],
      ['deps/lib', () => (input.packageLibDir ? inDirs([input.packageLibDir], lib.soname) : undefined)],
      ['ld.so.cache', () => cache?.find((e) => e.soname === lib.soname && input.fs.isFile(e.path))?.path],
      ['default folder', () => inDirs(defaultDirs, lib.soname)],
    ];
    for (const [via, find] of steps) {
      const path = find();
      if (path !== undefined) return { ...lib, path, via };
    }
    return { ...lib, path: undefined, via: undefined };
  });
  return {
    libraries,
    missing: libraries.filter((l) => l.path === undefined).map((l) => l.soname),
    ldLibraryPath,
    packageLibDir: input.packageLibDir,
    ldCache: { path: ldCachePath, entries: cache?.length },
    defaultDirs,
  };
}
