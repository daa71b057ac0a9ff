// The GPU diagnosis of this machine: the real environment, file system and driver fed to the
// pure probes.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeDriver } from './gpu-driver.js';
import { BINDING_LIBRARIES, diagnoseGpu, type GpuDiagnosis, type GpuPackageState } from './gpu-diagnosis.js';
import { probeLibraries, type ProbeFileSystem } from './gpu-libraries.js';

/** The real file system, as the probes want it. */
export const nodeProbeFileSystem: ProbeFileSystem = {
  isFile(path) {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  read(path) {
    try {
      return readFileSync(path);
    } catch {
      return undefined;
    }
  },
};

/** Diagnoses this machine for a GPU package in state `pkg` (process.env, the disk, nvidia-smi). */
export function diagnoseThisMachine(pkg: GpuPackageState): GpuDiagnosis {
  const env = process.env;
  const libDir = pkg.state !== 'absent' && pkg.dir !== undefined ? join(pkg.dir, 'deps', 'lib') : undefined;
  return diagnoseGpu({
    pkg,
    libraries: probeLibraries({ env, fs: nodeProbeFileSystem, arch: process.arch, packageLibDir: libDir }),
    driver: probeDriver({ env }),
    bindingLibraries: Object.fromEntries(BINDING_LIBRARIES.map((n) => [n, libDir !== undefined && nodeProbeFileSystem.isFile(join(libDir, n))])),
    cudaVisibleDevices: env.CUDA_VISIBLE_DEVICES,
  });
}

/**
 * The folder and version of an installed package, found from where `import` resolves it (so
 * loader hooks and `exports` maps count), or undefined when it does not resolve.
 */
export function locatePackage(pkg: string): { dir: string; version: string | undefined } | undefined {
  let file: string;
  try {
    file = fileURLToPath(import.meta.resolve(pkg));
  } catch {
    try {
      file = createRequire(import.meta.url).resolve(pkg);
    } catch {
      return undefined;
    }
  }
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const bytes = nodeProbeFileSystem.read(join(dir, 'package.json'));
    if (bytes === undefined) continue;
    try {
      const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as { name?: unknown; version?: unknown };
      if (json.name === pkg) return { dir, version: typeof json.version === 'string' ? json.version : undefined };
    } catch {
      // not a package.json we can read: keep walking up
    }
  }
  return undefined;
}
