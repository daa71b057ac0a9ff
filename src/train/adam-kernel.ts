import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Name of the one-variable Adam update kernel: inputs `value, m, v, gradient`; outputs the new value, m and v. */
export const ADAM_KERNEL = 'ShardstreamAdam';

/** Attributes of {@link ADAM_KERNEL}: the optimizer's constants and this step's 1 − β^t. */
export interface AdamKernelAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

/**
 * One Adam update of `value` in float32, operation by operation as tfjs' AdamOptimizer does it
 * with tensor ops (each op rounds to float32; `Math.fround` here does the same):
 * m ← m·β1 + g·(1−β1), v ← v·β2 + g²·(1−β2), value ← (m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε) · (−lr) + value.
 */
export function adamUpdate(value: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, out: [Float32Array, Float32Array, Float32Array], a: AdamKernelAttrs): void {
  const f = Math.fround;
  const [b1, b2, eps, c1, c2] = [f(a.beta1), f(a.beta2), f(a.epsilon), f(a.oneMinusAccBeta1), f(a.oneMinusAccBeta2)];
  const [k1, k2, step] = [f(1 - a.beta1), f(1 - a.beta2), f(-a.learningRate)];
  const [outValue, outM, outV] = out;
  for (let i = 0; i < value.length; i++) {
    const gi = g[i] as number;
    const mi = f(f((m[i] as number) * b1) + f(gi * k1));
    const vi = f(f((v[i] as number) * b2) + f(f(gi * gi) * k2));
    const denominator = f(f(Math.sqrt(f(vi / c2))) + eps);
    outM[i] = mi;
    outV[i] = vi;
    outValue[i] = f(f(f(f(mi / c1) / denominator) * step) + (value[i] as number));
  }
}

/** {@link ADAM_KERNEL} on the WASM backend: a loop over the heap. */
export const adamWasmConfig: KernelConfig = {
  kernelName: ADAM_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { value, m, v, gradient } = inputs as { value: TensorInfo; m: TensorInfo; v: TensorInfo; gradient: TensorInfo };
    const outs = [value, m, v].map((t) => wasm.makeOutput(t.shape, 'float32'));
    const view = (t: TensorInfo): Float32Array => wasm.typedArrayFromHeap(t) as Float32Array;
    adamUpdate(view(value), view(m), view(v), view(gradient), outs.map(view) as [Float32Array, Float32Array, Float32Array], attrs as unknown as AdamKernelAttrs);
    return outs;
  },
};
