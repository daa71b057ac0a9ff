import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/package-root.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { runBin } from '../helpers/run-bin.js';

// The GPU diagnosis through the real bin, in the two environments this machine can fake:
// tfjs-node-gpu absent (the normal state here), and present but without CUDA: a loader hook
// resolves `@tensorflow/tfjs-node-gpu` to a fake package that registers a `tensorflow` backend
// (the CPU backend's kernels) whose isUsingGpuDevice is false, as the real one is when
// libtensorflow cannot open libcudart.so.11.0. LD_LIBRARY_PATH points at a folder holding
// some of the CUDA libraries (empty files), and a fake nvidia-smi on PATH names a GPU.

const tiny = ['--partition', 'train', '--backend', 'auto', '--size', '8', '--width-mult', '0.015625', '--noise-dim', '8', '--batch-size', '8', '--epochs', '1', '--steps-per-epoch', '1'];

let dir: string;
let set: SyntheticShardSet;
let cudaDir: string;
let binDir: string;
let pkgDir: string;
let hookOptions: string;
let brokenDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gpu-check-'));
  set = await writeShardSet({ encoding: 'raw', height: 8, width: 8, channels: 3 });
  cudaDir = join(dir, 'cuda-11.2', 'lib64');
  await mkdir(cudaDir, { recursive: true });
  for (const lib of ['libcuda.so.1', 'libcudart.so.11.0', 'libcublas.so.11']) await writeFile(join(cudaDir, lib), '');

  binDir = join(dir, 'bin');
  await mkdir(binDir);
  await writeFile(join(binDir, 'nvidia-smi'), '#!/bin/sh\necho "NVIDIA H100 80GB HBM3, 550.54.15"\n');
  await chmod(join(binDir, 'nvidia-smi'), 0o755);

  pkgDir = join(dir, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
  await mkdir(join(pkgDir, 'deps', 'lib'), { recursive: true });
  await writeFile(join(pkgDir, 'deps', 'lib', 'libtensorflow.so.2'), '');
  await writeFile(join(pkgDir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.cjs' }));
  // the fake uses the project's own tfjs (one tfjs-core, as the real package must)
  const projectRequire = JSON.stringify(join(packageRoot(), 'package.json'));
  await writeFile(
    join(pkgDir, 'index.cjs'),
    `const require2 = require('node:module').createRequire(${projectRequire});
const tf = require2('@tensorflow/tfjs');
const { MathBackendCPU } = require2('@tensorflow/tfjs-backend-cpu');
for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: false }), 3);
module.exports = { ...tf, version_core: tf.version_core };
`,
  );
  // a package whose binding cannot open libtensorflow (deps/lib empty), as after a failed download
  brokenDir = join(dir, 'broken', 'node_modules', '@tensorflow', 'tfjs-node-gpu');
  await mkdir(join(brokenDir, 'deps', 'lib'), { recursive: true });
  await writeFile(join(brokenDir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.cjs' }));
  await writeFile(join(brokenDir, 'index.cjs'), "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');\n");
  const hooks = join(dir, 'hooks.mjs');
  await writeFile(
    hooks,
    `export async function resolve(specifier, context, next) {
  if (specifier === '@tensorflow/tfjs-node-gpu') return { url: process.env.FAKE_TFJS_NODE_GPU, format: 'commonjs', shortCircuit: true };
  return next(specifier, context);
}
`,
  );
  const register = join(dir, 'register.mjs');
  await writeFile(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  hookOptions = `--import=${pathToFileURL(register).href}`;
});

afterAll(async () => {
  await set?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The environment of a GPU box whose CUDA 11.2 install lacks most libraries. */
const gpuBoxEnv = (pkg = pkgDir): NodeJS.ProcessEnv => ({
  LD_LIBRARY_PATH: cudaDir,
  PATH: `${binDir}:${process.env.PATH ?? ''}`,
  NODE_OPTIONS: hookOptions,
  FAKE_TFJS_NODE_GPU: pathToFileURL(join(pkg, 'index.cjs')).href,
});

const MISSING = ['libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'];

function expectFixes(text: string): void {
  expect(text).toContain('1. CUDA 11.2 + cuDNN 8.1 beside the system\'s CUDA');
  expect(text).toContain('export LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64');
  expect(text).toContain('2. a CUDA 12 build of libtensorflow (2.15: CUDA 12.2, cuDNN 8.9) in the package\'s deps/lib, under the names the binding loads (libtensorflow.so.2, libtensorflow_framework.so.2)');
}

describe('dcgan-train --check-gpu / --require-gpu, tfjs-node-gpu absent', () => {
  it('--check-gpu says the package is missing, lists the libraries looked for, and exits 1', async () => {
    const r = await runBin('dcgan-train', ['--check-gpu'], { env: { LD_LIBRARY_PATH: cudaDir } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('GPU: no (@tensorflow/tfjs-node-gpu not installed; not found: ' + MISSING.join(', ') + ')');
    expect(r.stdout).toContain('@tensorflow/tfjs-node-gpu: not installed');
    expect(r.stdout).toMatch(new RegExp(`libcudart\\.so\\.11\\.0 +${cudaDir}/libcudart\\.so\\.11\\.0 \\(LD_LIBRARY_PATH\\)`));
    for (const lib of MISSING) expect(r.stdout).toMatch(new RegExp(`${lib.replaceAll('.', '\\.')} +NOT FOUND`));
    expect(r.stdout).toContain(`searched: LD_LIBRARY_PATH (${cudaDir}); /etc/ld.so.cache`);
    expect(r.stdout).toContain('install it: npm install @tensorflow/tfjs-node-gpu@4.22.0');
    expectFixes(r.stdout);
  });

  it('--require-gpu fails with the same report instead of training on the CPU', async () => {
    const r = await runBin('dcgan-train', ['--data', set.dir, '--require-gpu', ...tiny, '--out', join(dir, 'runs')], { env: { LD_LIBRARY_PATH: cudaDir } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: backend tensorflow: a GPU was required and none is used: @tensorflow/tfjs-node-gpu not installed; not found: libcublasLt.so.11');
    expect(r.stderr).toContain('@tensorflow/tfjs-node-gpu: not installed');
    expectFixes(r.stderr);
    expect(r.stderr).not.toContain('backend: '); // no training started
    expect(r.stdout).toBe('');
  });

  it('--require-gpu with --backend wasm is refused', async () => {
    const r = await runBin('dcgan-train', ['--data', set.dir, '--require-gpu', '--backend', 'wasm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --require-gpu needs --backend auto or tensorflow (the CUDA backend), got wasm');
  });

  it('without --check-gpu, --data is still required', async () => {
    const r = await runBin('dcgan-train', ['--epochs', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: required option '-d, --data <url|dir>' not specified");
  });
});

describe('dcgan-train with tfjs-node-gpu present and CUDA libraries missing (faked)', () => {
  it('--check-gpu names the package, the driver, the missing libraries and the fixes, and exits 1', async () => {
    const r = await runBin('dcgan-train', ['--check-gpu'], { env: gpuBoxEnv() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`GPU: no (not found: ${MISSING.join(', ')})`);
    expect(r.stdout).toContain(`@tensorflow/tfjs-node-gpu 4.22.0 at ${pkgDir}: loaded, but TensorFlow uses no CUDA device: it runs on the CPU`);
    expect(r.stdout).toContain(`${join(pkgDir, 'deps', 'lib')}: libtensorflow.so.2 present, libtensorflow_framework.so.2 MISSING`);
    expect(r.stdout).toContain('driver: nvidia-smi: NVIDIA H100 80GB HBM3, driver 550.54.15');
    expect(r.stdout).toMatch(new RegExp(`libcuda\\.so\\.1 +${cudaDir}/libcuda\\.so\\.1 \\(LD_LIBRARY_PATH\\)`));
    expect(r.stdout).toMatch(new RegExp(`libcublas\\.so\\.11 +${cudaDir}/libcublas\\.so\\.11 \\(LD_LIBRARY_PATH\\)`));
    for (const lib of MISSING) expect(r.stdout).toMatch(new RegExp(`${lib.replaceAll('.', '\\.')} +NOT FOUND`));
    expect(r.stdout).toContain(`the package's ${join(pkgDir, 'deps', 'lib')}`);
    expect(r.stdout).toContain(`cp -P tf215/lib/libtensorflow.so.2* tf215/lib/libtensorflow_framework.so.2* ${join(pkgDir, 'deps', 'lib')}/`);
    expect(r.stdout).not.toContain('install it: npm install');
    expectFixes(r.stdout);
  });

  it('a run says on its backend line why it is on the CPU, prints the report, and trains', async () => {
    const r = await runBin('dcgan-train', ['--data', set.dir, ...tiny, '--out', join(dir, 'runs-cpu')], { env: gpuBoxEnv() });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `backend: tensorflow (@tensorflow/tfjs-node-gpu, no CUDA device: CPU; not found: ${MISSING.join(', ')}; dcgan-train --check-gpu says more) [no GPU]`,
    );
    expect(r.stderr).toContain('  driver: nvidia-smi: NVIDIA H100 80GB HBM3, driver 550.54.15');
    expect(r.stdout).toContain('done: 1 epochs');
  });

  it('--require-gpu exits 1 with the report and trains nothing', async () => {
    const r = await runBin('dcgan-train', ['--data', set.dir, '--require-gpu', ...tiny, '--out', join(dir, 'runs-gpu')], { env: gpuBoxEnv() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: backend tensorflow: a GPU was required and none is used: not found: ${MISSING.join(', ')}`);
    expect(r.stderr).toContain('driver: nvidia-smi: NVIDIA H100 80GB HBM3, driver 550.54.15');
    expectFixes(r.stderr);
    expect(r.stderr).not.toContain('backend: tensorflow (');
    expect(r.stdout).toBe('');
  });

  it('--check-gpu on a package that fails to load says so and what deps/lib lacks', async () => {
    const r = await runBin('dcgan-train', ['--check-gpu'], { env: gpuBoxEnv(brokenDir) });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('GPU: no (@tensorflow/tfjs-node-gpu failed to load; not found: ');
    expect(r.stdout).toContain(`@tensorflow/tfjs-node-gpu 4.22.0 at ${brokenDir}: failed to load: libtensorflow.so.2: cannot open shared object file: No such file or directory`);
    expect(r.stdout).toContain(`${join(brokenDir, 'deps', 'lib')}: libtensorflow.so.2 MISSING, libtensorflow_framework.so.2 MISSING`);
    expect(r.stdout).toContain('deps/lib lacks libtensorflow: reinstall the package');
    expectFixes(r.stdout);
  });
});
