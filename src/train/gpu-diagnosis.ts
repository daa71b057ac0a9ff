// Why @tensorflow/tfjs-node-gpu does not use a CUDA device, in words a GPU user can act on:
// which libraries the loader cannot find, the driver seen, and the two fixes that work.
import { join } from 'node:path';
import type { DriverInfo } from './gpu-driver.js';
import { DRIVER_LIBRARY, type LibraryProbe } from './gpu-libraries.js';

/** The GPU package the backend tries first. */
export const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';

/** The file names the tfjs-node binding loads from `deps/lib` (its DT_NEEDED sonames, found via RUNPATH `$ORIGIN/../../deps/lib`). */
export const BINDING_LIBRARIES = ['libtensorflow.so.2', 'libtensorflow_framework.so.2'] as const;

/** What became of the GPU package when the backend tried it. */
export type GpuPackageState =
  | { readonly state: 'absent' }
  | { readonly state: 'failed'; readonly dir: string | undefined; readonly version: string | undefined; readonly error: string }
  | { readonly state: 'cpu' | 'gpu'; readonly dir: string | undefined; readonly version: string | undefined };

/** Inputs of {@link diagnoseGpu}: every fact, gathered elsewhere. */
export interface GpuFacts {
  readonly pkg: GpuPackageState;
  readonly libraries: LibraryProbe;
  readonly driver: DriverInfo;
  /** Which of {@link BINDING_LIBRARIES} exist in the package's `deps/lib`. */
  readonly bindingLibraries: Readonly<Record<string, boolean>>;
  /** `CUDA_VISIBLE_DEVICES`, which can hide every GPU. */
  readonly cudaVisibleDevices: string | undefined;
}

/** The verdict and the report. */
export interface GpuDiagnosis {
  /** True when the GPU package runs on a CUDA device. */
  readonly ok: boolean;
  /** One clause for the backend line, e.g. `missing libcudart.so.11.0, libcudnn.so.8`. */
  readonly summary: string;
  /** The full report, one line each (what `dcgan-train --check-gpu` prints). */
  readonly lines: readonly string[];
  readonly facts: GpuFacts;
}

/** Judges the facts: the verdict, a one-clause summary and the report with the fixes. */
export function diagnoseGpu(facts: GpuFacts): GpuDiagnosis {
  const { pkg, libraries, driver } = facts;
  const ok = pkg.state === 'gpu';
  const cudaMissing = libraries.missing.filter((s) => s !== DRIVER_LIBRARY.soname);
  const driverMissing = libraries.missing.includes(DRIVER_LIBRARY.soname);
  const lines: string[] = [packageLine(pkg)];
  if (pkg.state !== 'absent' && pkg.dir !== undefined) {
    const libDir = join(pkg.dir, 'deps', 'lib');
    lines.push(`  ${libDir}: ${BINDING_LIBRARIES.map((n) => `${n} ${facts.bindingLibraries[n] ? 'present' : 'MISSING'}`).join(', ')}`);
  }
  lines.push(`driver: ${driverLine(driver)}`);
  if (facts.cudaVisibleDevices !== undefined) lines.push(`  CUDA_VISIBLE_DEVICES=${JSON.stringify(facts.cudaVisibleDevices)} (it hides every GPU not listed)`);
  lines.push('libraries libtensorflow 2.9.1 opens for a GPU (CUDA 11.2, cuDNN 8.1), looked up as the dynamic loader does:');
  const width = Math.max(...libraries.libraries.map((l) => l.soname.length));
  for (const l of libraries.libraries) {
    lines.push(`  ${l.soname.padEnd(width)}  ${l.path !== undefined ? `${l.path} (${l.via})` : 'NOT FOUND'}  ${l.what}`);
  }
  lines.push(`  searched: ${searchedLine(libraries)}`);
  if (!ok) lines.push(...advice(facts, cudaMissing, driverMissing));
  const summary = summaryOf(facts, cudaMissing, driverMissing);
  lines.unshift(ok ? 'GPU: yes, TensorFlow runs on a CUDA device' : `GPU: no (${summary})`);
  return { ok, summary, lines, facts };
}

function packageLine(pkg: GpuPackageState): string {
  const where = pkg.state === 'absent' ? '' : ` ${pkg.version ?? '(version unknown)'}${pkg.dir ? ` at ${pkg.dir}` : ''}`;
  switch (pkg.state) {
    case 'absent':
      return `${GPU_PACKAGE}: not installed`;
    case 'failed':
      return `${GPU_PACKAGE}${where}: failed to load: ${pkg.error}`;
    case 'cpu':
      return `${GPU_PACKAGE}${where}: loaded, but TensorFlow uses no CUDA device: it runs on the CPU`;
    case 'gpu':
      return `${GPU_PACKAGE}${where}: loaded, running on a CUDA device`;
  }
}

function driverLine(driver: DriverInfo): string {
  const smi = driver.nvidiaSmi.ok ? `nvidia-smi: ${driver.nvidiaSmi.gpus.map((g) => `${g.name}, driver ${g.driver}`).join('; ')}` : driver.nvidiaSmi.reason;
  const mod = driver.kernelModule !== undefined ? `/proc/driver/nvidia/version: ${driver.kernelModule}` : 'no /proc/driver/nvidia/version (NVIDIA kernel module not loaded)';
  return `${smi}; ${mod}`;
}

function searchedLine(p: LibraryProbe): string {
  const ld = p.ldLibraryPath.length > 0 ? `LD_LIBRARY_PATH (${p.ldLibraryPath.join(', ')})` : 'LD_LIBRARY_PATH (unset)';
  const deps = p.packageLibDir !== undefined ? [`the package's ${p.packageLibDir}`] : [];
  const cache = p.ldCache.entries !== undefined ? `${p.ldCache.path} (${p.ldCache.entries} entries)` : `${p.ldCache.path} (unreadable)`;
  return [ld, ...deps, cache, p.defaultDirs.join(', ')].join('; ');
}

function summaryOf(facts: GpuFacts, cudaMissing: readonly string[], driverMissing: boolean): string {
  if (facts.pkg.state === 'gpu') return 'CUDA';
  const parts: string[] = [];
  if (facts.pkg.state === 'absent') parts.push(`${GPU_PACKAGE} not installed`);
  if (facts.pkg.state === 'failed') parts.push(`${GPU_PACKAGE} failed to load`);
  if (driverMissing) parts.push(`no NVIDIA driver (${DRIVER_LIBRARY.soname} not found)`);
  if (cudaMissing.length > 0) parts.push(`not found: ${cudaMissing.join(', ')}`);
  if (parts.length === 0) parts.push('every CUDA 11.2 / cuDNN 8.1 library was found');
  return parts.join('; ');
}

function advice(facts: GpuFacts, cudaMissing: readonly string[], driverMissing: boolean): string[] {
  const out: string[] = [];
  if (facts.pkg.state === 'absent') {
    out.push(`install it: npm install ${GPU_PACKAGE}@4.22.0 (its install script downloads libtensorflow-gpu 2.9.1 into deps/lib; it needs the internet)`);
  }
  if (facts.pkg.state === 'failed' && BINDING_LIBRARIES.some((n) => !facts.bindingLibraries[n])) {
    out.push(`deps/lib lacks libtensorflow: reinstall the package (npm rebuild ${GPU_PACKAGE}) or use fix 2 below`);
  }
  if (driverMissing || !facts.driver.nvidiaSmi.ok) {
    out.push('no working NVIDIA driver was seen: install it first (nvidia-smi must list the GPU; a CUDA 12 driver, ≥ 525, also runs CUDA 11.2 programs)');
  }
  if (cudaMissing.length === 0 && !driverMissing && facts.pkg.state === 'cpu') {
    out.push('every library was found, yet no GPU is used: check CUDA_VISIBLE_DEVICES and read TensorFlow\'s own log (TF_CPP_MIN_LOG_LEVEL=0)');
  }
  out.push(
    'fixes (either one):',
    '  1. CUDA 11.2 + cuDNN 8.1 beside the system\'s CUDA (the driver and the system\'s CUDA 12 stay as they are):',
    '       sh cuda_11.2.2_460.32.03_linux.run --silent --toolkit --toolkitpath=/usr/local/cuda-11.2   # toolkit only, no driver',
    '       tar -xzf cudnn-11.2-linux-x64-v8.1.1.33.tgz && cp -P cuda/include/cudnn*.h /usr/local/cuda-11.2/include/ && cp -P cuda/lib64/libcudnn* /usr/local/cuda-11.2/lib64/',
    '       export LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}   # for the trainer only',
    `  2. a CUDA 12 build of libtensorflow (2.15: CUDA 12.2, cuDNN 8.9) in the package's deps/lib, under the names the binding loads (${BINDING_LIBRARIES.join(', ')}):`,
    '       curl -LO https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-gpu-linux-x86_64-2.15.0.tar.gz && mkdir tf215 && tar -xzf libtensorflow-gpu-linux-x86_64-2.15.0.tar.gz -C tf215',
    `       cp -P tf215/lib/libtensorflow.so.2* tf215/lib/libtensorflow_framework.so.2* ${facts.pkg.state !== 'absent' && facts.pkg.dir ? join(facts.pkg.dir, 'deps', 'lib') : `node_modules/${GPU_PACKAGE}/deps/lib`}/`,
    '       (it then opens libcudart.so.12, libcublas.so.12, … and libcudnn.so.8 of cuDNN 8.9: the system\'s CUDA 12 with cuDNN 8.9 on LD_LIBRARY_PATH or in the ld.so.cache)',
    'then run dcgan-train --check-gpu again: it exits 0 once TensorFlow uses the GPU.',
  );
  return out;
}
