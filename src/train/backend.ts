import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { checkBackendPreference, type BackendPreference } from './backend-preference.js';
import { BackendUnavailableError } from './backend-error.js';
import { activeCpuTrainingKernels, registerCpuTrainingKernels } from './cpu-kernels.js';
import { GPU_PACKAGE, type GpuDiagnosis, type GpuPackageState } from './gpu-diagnosis.js';
import { diagnoseThisMachine, locatePackage } from './gpu-environment.js';
import { GpuUnavailableError } from './gpu-unavailable-error.js';
import { activeWasmTrainingKernels, registerWasmTrainingKernels } from './wasm-kernels.js';

export { BACKEND_PREFERENCES, type BackendPreference } from './backend-preference.js';

/** The backend a run uses, and why. */
export interface SelectedBackend {
  /** The TensorFlow.js namespace, the same instance every module of the project imports. */
  tf: typeof tf;
  /** The tfjs backend name: `tensorflow`, `wasm` or `cpu`. */
  name: string;
  /** True when kernels run on a CUDA device. */
  gpu: boolean;
  /** One line for people, e.g. `wasm (SIMD, 1 thread; @tensorflow/tfjs-node not installed)`. */
  description: string;
  /** Why the installed GPU package uses no CUDA device (absent when it is not installed or runs on one). */
  gpuDiagnosis?: GpuDiagnosis;
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Only a CUDA device will do: throw {@link GpuUnavailableError} rather than run on a CPU. @default false */
  readonly requireGpu?: boolean;
}

/** The native packages in order of preference; both register the backend named `tensorflow`. */
const NATIVE_PACKAGES = [GPU_PACKAGE, '@tensorflow/tfjs-node'] as const;

type Attempt = { ok: true; name: string; gpu: boolean; detail: string; diagnosis?: GpuDiagnosis } | { ok: false; reason: string; diagnosis?: GpuDiagnosis };

/**
 * Makes the best available backend (or the one asked for) the active tfjs backend:
 * tfjs-node-gpu › tfjs-node › WASM › pure-JS CPU. An explicit `tensorflow` or `wasm` that
 * cannot be loaded throws {@link BackendUnavailableError}; `auto` falls back and says why. When
 * tfjs-node-gpu is installed but uses no CUDA device, the description says why (missing CUDA
 * libraries, the driver) and `gpuDiagnosis` holds the full report; with `requireGpu` that is
 * a {@link GpuUnavailableError} instead.
 */
export async function selectBackend(pref: BackendPreference = 'auto', options: SelectBackendOptions = {}): Promise<SelectedBackend> {
  checkBackendPreference(pref, options.requireGpu === true);
  if (options.requireGpu === true) {
    const diagnosis = await checkGpu();
    if (!diagnosis.ok) throw new GpuUnavailableError(diagnosis);
    return { tf, name: 'tensorflow', gpu: true, description: `tensorflow (${GPU_PACKAGE}, CUDA)` };
  }
  const skipped: string[] = [];
  const chain: Array<[BackendPreference, () => Promise<Attempt>]> = [
    ...NATIVE_PACKAGES.map((pkg): [BackendPreference, () => Promise<Attempt>] => ['tensorflow', () => tryNative(pkg)]),
    ['wasm', tryWasm],
    ['cpu', tryCpu],
  ];
  let gpuDiagnosis: GpuDiagnosis | undefined;
  for (const [kind, attempt] of chain) {
    if (pref !== 'auto' && pref !== kind) continue;
    const result = await attempt();
    gpuDiagnosis ??= result.diagnosis;
    if (result.ok) {
      const why = skipped.length > 0 ? `; ${skipped.join('; ')}` : '';
      const selected: SelectedBackend = { tf, name: result.name, gpu: result.gpu, description: `${result.name} (${result.detail}${why})` };
      return gpuDiagnosis !== undefined ? { ...selected, gpuDiagnosis } : selected;
    }
    skipped.push(result.reason);
  }
  throw new BackendUnavailableError(pref, skipped.join('; '));
}

/**
 * Loads @tensorflow/tfjs-node-gpu and reports whether TensorFlow uses a CUDA device, and if not,
 * why: the report `dcgan-train --check-gpu` prints. Leaves the `tensorflow` backend active when
 * the package loads.
 */
export async function checkGpu(): Promise<GpuDiagnosis> {
  const attempt = await tryNative(GPU_PACKAGE);
  return attempt.diagnosis ?? diagnoseThisMachine({ state: 'absent' });
}

/** Imports a native tfjs-node package (it registers the `tensorflow` backend into our tfjs-core) and activates it. */
async function tryNative(pkg: string): Promise<Attempt> {
  const isGpuPackage = pkg === GPU_PACKAGE;
  // the GPU package, when present but not on a GPU, is diagnosed; its absence is the normal case
  const failed = (reason: string, error: string): Attempt =>
    isGpuPackage ? { ok: false, reason, diagnosis: diagnoseThisMachine(gpuPackageState('failed', error)) } : { ok: false, reason };
  let mod: { version_core?: unknown };
  try {
    // A variable specifier keeps TypeScript and bundlers from resolving an optional package.
    mod = (await import(pkg)) as { version_core?: unknown };
  } catch (error) {
    const why = loadFailure(pkg, error);
    if (why === 'not installed') return { ok: false, reason: `${pkg} not installed` };
    return failed(`${pkg} ${why}`, why.replace(/^failed to load: /, ''));
  }
  // tfjs-node must share our tfjs-core; a second copy would hold tensors our models cannot use.
  if (mod.version_core !== undefined && mod.version_core !== tf.version_core) {
    const why = `uses tfjs-core ${String(mod.version_core)}, not ${tf.version_core}`;
    return failed(`${pkg} ${why}`, why);
  }
  if (tf.findBackendFactory('tensorflow') == null || !(await quietly(() => tf.setBackend('tensorflow')))) {
    return failed(`${pkg} loaded but its tensorflow backend did not initialize`, 'its tensorflow backend did not initialize');
  }
  const onGpu = (tf.backend() as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true;
  if (!isGpuPackage) return { ok: true, name: 'tensorflow', gpu: onGpu, detail: pkg };
  const diagnosis = diagnoseThisMachine(gpuPackageState(onGpu ? 'gpu' : 'cpu', undefined));
  const detail = onGpu ? `${pkg}, CUDA` : `${pkg}, no CUDA device: CPU; ${diagnosis.summary}; dcgan-train --check-gpu says more`;
  return { ok: true, name: 'tensorflow', gpu: onGpu, detail, diagnosis };
}

/** The GPU package's state with its folder and version, found where `import` found it. */
function gpuPackageState(state: 'absent' | 'failed' | 'cpu' | 'gpu', error: string | undefined): GpuPackageState {
  if (state === 'absent') return { state };
  const found = locatePackage(GPU_PACKAGE);
  const where = { dir: found?.dir, version: found?.version };
  return state === 'failed' ? { state, ...where, error: error ?? 'unknown error' } : { state, ...where };
}

/** Loads the WASM backend from the package's own `dist/` folder, so it needs no network. */
async function tryWasm(): Promise<Attempt> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm ${loadFailure('@tensorflow/tfjs-backend-wasm', error)}` };
  }
  // setWasmPaths throws once the backend has been initialized (a second selectBackend call).
  if (tf.findBackend('wasm') == null) wasm.setWasmPaths(wasmDistDir());
  if (!(await quietly(() => tf.setBackend('wasm')))) {
    return { ok: false, reason: '@tensorflow/tfjs-backend-wasm did not initialize' };
  }
  registerWasmTrainingKernels();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
  const threads = wasm.getThreadsCount();
  return { ok: true, name: 'wasm', gpu: false, detail: `${simd}, ${threads} thread${threads === 1 ? '' : 's'}${kernelNote(activeWasmTrainingKernels())}` };
}

async function tryCpu(): Promise<Attempt> {
  // The CPU backend greets Node users with an advert for tfjs-node on its first tensor; our own
  // backend line already says what runs and why. tfjs' warnings are off only in prod mode.
  tf.env().set('PROD', true);
  if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'cpu backend did not initialize' };
  registerCpuTrainingKernels();
  return { ok: true, name: 'cpu', gpu: false, detail: `pure JavaScript${kernelNote(activeCpuTrainingKernels())}` };
}

function kernelNote(kernels: readonly string[]): string {
  return kernels.length > 0 ? `, shardstream kernels: ${kernels.join(', ')}` : '';
}

/** The folder holding the `.wasm` binaries, with a trailing separator as setWasmPaths wants a prefix. */
function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + sep;
}

/** Runs `f`, treating a throw as failure: tfjs logs its own warning for a backend that fails to initialize. */
async function quietly(f: () => Promise<boolean>): Promise<boolean> {
  try {
    return await f();
  } catch {
    return false;
  }
}

/** Says why an import failed: `not installed` when the package itself is missing, else the error's first line. */
function loadFailure(pkg: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  if (missing && message.includes(`'${pkg}'`)) return 'not installed';
  return `failed to load: ${message.split('\n')[0] ?? ''}`;
}
