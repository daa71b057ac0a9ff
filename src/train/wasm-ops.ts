import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { InternalError } from '../core/errors.js';

// Helpers for kernels written on top of the WASM backend's own kernels. Inside a kernel we
// call other kernels directly (not tf ops): ops would be recorded on the gradient tape and
// tracked by the engine, kernels only allocate backend memory that we free ourselves.

/** Runs another WASM kernel on backend data; the caller owns (and must free) the result. */
export function runWasmKernel(backend: BackendWasm, name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm') as ReturnType<typeof tf.getKernel> | undefined;
  if (kernel === undefined) throw new InternalError(`wasm kernel ${name} is not registered`);
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new InternalError(`wasm kernel ${name} returned ${out.length} outputs, expected one`);
  return out;
}

/** Frees backend memory of intermediate results. */
export function freeWasm(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * A Float32Array view of a tensor on the WASM heap. Take views only after the last
 * allocation: growing the heap detaches every earlier view.
 */
export function heapF32(backend: BackendWasm, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new InternalError(`expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Copies `count` floats starting at `offset` of `source` into a new tensor of `shape`. */
export function copyRange(backend: BackendWasm, source: TensorInfo, offset: number, count: number, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  heapF32(backend, out).set(heapF32(backend, source).subarray(offset, offset + count));
  return out;
}

/** A transpose of `x` by `perm` on the WASM backend. */
export function transposeWasm(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

/** `a @ b` for rank-3 `[1, m, k] @ [1, k, n]`: the untransposed case is the WASM backend's fast (XNNPACK) path. */
export function matMulWasm(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return runWasmKernel(backend, 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
}

/** Elementwise `a + b`, freeing both inputs. */
export function addInto(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  const sum = runWasmKernel(backend, 'Add', { a, b });
  freeWasm(backend, a, b);
  return sum;
}

/** Options of the column-buffer (im2col / col2im) kernels. */
export interface ColumnBufferOptions {
  /** Largest column buffer, in floats; bigger batches are done in chunks of whole images. @default 16 Mi (64 MiB) */
  maxColumnFloats?: number;
}

/** Default of {@link ColumnBufferOptions.maxColumnFloats}. */
export const DEFAULT_MAX_COLUMN_FLOATS = 16 * 1024 * 1024;

/** The body of a column-buffer kernel: the backend, the kernel's inputs and attributes, and the bound. */
export type ColumnBufferKernelBody = (wasm: BackendWasm, inputs: NamedTensorInfoMap, attrs: NamedAttrMap, maxColumnFloats: number) => TensorInfo;

/**
 * A column-buffer kernel of the WASM backend: `create(options)` gives its kernel function with a
 * column buffer bound ({@link ColumnBufferOptions}), and `config` its registration under
 * `kernelName` with the default bound.
 */
export function columnBufferKernel(kernelName: string, body: ColumnBufferKernelBody): { create: (options?: ColumnBufferOptions) => KernelFunc; config: KernelConfig } {
  const create = (options: ColumnBufferOptions = {}): KernelFunc => {
    const maxColumnFloats = options.maxColumnFloats ?? DEFAULT_MAX_COLUMN_FLOATS;
    return ({ inputs, backend, attrs }) => body(backend as BackendWasm, inputs, attrs ?? {}, maxColumnFloats);
  };
  return { create, config: { kernelName, backendName: 'wasm', kernelFunc: create() } };
}
