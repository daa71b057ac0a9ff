import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Training-mode batch normalization over every axis but the last, as one kernel: inputs
 * `x [..., C], gamma [C], beta [C]`, attribute `epsilon`; outputs `y`, the batch mean and the
 * biased batch variance (what tfjs-layers feeds its moving averages). Its gradient is one more
 * kernel ({@link BATCH_NORM_GRAD_KERNEL}). tfjs-layers computes the same with moments, the
 * FusedBatchNorm kernel and their gradients: ~40 kernels a layer, forward and backward.
 */
export const BATCH_NORM_KERNEL = 'ShardstreamBatchNormTraining';
/** The gradient of {@link BATCH_NORM_KERNEL}: attribute `part` `x` → `[dx]`, `params` → `[dgamma, dbeta]`. */
export const BATCH_NORM_GRAD_KERNEL = 'ShardstreamBatchNormTrainingGrad';

/** Forward: writes `y` and returns the per-channel mean and biased variance. */
export function batchNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number, y: Float32Array): { mean: Float64Array; variance: Float64Array } {
  const channels = gamma.length;
  const rows = x.length / channels;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let i = 0, c = 0; i < x.length; i++, c = c + 1 === channels ? 0 : c + 1) mean[c] = (mean[c] as number) + (x[i] as number);
  for (let c = 0; c < channels; c++) mean[c] = (mean[c] as number) / rows;
  for (let i = 0, c = 0; i < x.length; i++, c = c + 1 === channels ? 0 : c + 1) {
    const d = (x[i] as number) - (mean[c] as number);
    variance[c] = (variance[c] as number) + d * d;
  }
  const scale = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    variance[c] = (variance[c] as number) / rows;
    scale[c] = (gamma[c] as number) / Math.sqrt((variance[c] as number) + epsilon);
  }
  for (let i = 0, c = 0; i < x.length; i++, c = c + 1 === channels ? 0 : c + 1) {
    y[i] = ((x[i] as number) - (mean[c] as number)) * (scale[c] as number) + (beta[c] as number);
  }
  return { mean, variance };
}

/** The sums a gradient needs: Σ dy and Σ dy·(x − μ) per channel, in float64. */
function gradientSums(dy: Float32Array, x: Float32Array, mean: Float32Array): { sumDy: Float64Array; sumDyCentered: Float64Array } {
  const channels = mean.length;
  const sumDy = new Float64Array(channels);
  const sumDyCentered = new Float64Array(channels);
  for (let i = 0, c = 0; i < x.length; i++, c = c + 1 === channels ? 0 : c + 1) {
    const g = dy[i] as number;
    sumDy[c] = (sumDy[c] as number) + g;
    sumDyCentered[c] = (sumDyCentered[c] as number) + g * ((x[i] as number) - (mean[c] as number));
  }
  return { sumDy, sumDyCentered };
}

/** dγ = Σ dy·x̂ and dβ = Σ dy, with x̂ = (x − μ)/√(σ² + ε). */
export function batchNormParamGrad(dy: Float32Array, x: Float32Array, mean: Float32Array, variance: Float32Array, epsilon: number, dGamma: Float32Array, dBeta: Float32Array): void {
  const { sumDy, sumDyCentered } = gradientSums(dy, x, mean);
  for (let c = 0; c < mean.length; c++) {
    dGamma[c] = (sumDyCentered[c] as number) / Math.sqrt((variance[c] as number) + epsilon);
    dBeta[c] = sumDy[c] as number;
  }
}

/**
 * dx of y = γ·x̂ + β with batch statistics, plus what the mean and variance outputs' adjoints
 * (`dMean`, `dVariance`, zero when only y is differentiated) add:
 * dx = γr·dy + (dμ − γr·Σdy)/R + (2dσ² − γr³·Σdy(x−μ))/R · (x − μ), r = 1/√(σ² + ε), R rows.
 */
export function batchNormInputGrad(
  dy: Float32Array,
  x: Float32Array,
  stats: { mean: Float32Array; variance: Float32Array; gamma: Float32Array; dMean: Float32Array; dVariance: Float32Array },
  epsilon: number,
  dx: Float32Array,
): void {
  const { mean, variance, gamma, dMean, dVariance } = stats;
  const channels = mean.length;
  const rows = x.length / channels;
  const { sumDy, sumDyCentered } = gradientSums(dy, x, mean);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  const slope = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const r = 1 / Math.sqrt((variance[c] as number) + epsilon);
    const s = (gamma[c] as number) * r;
    scale[c] = s;
    shift[c] = ((dMean[c] as number) - s * (sumDy[c] as number)) / rows;
    slope[c] = (2 * (dVariance[c] as number) - s * r * r * (sumDyCentered[c] as number)) / rows;
  }
  for (let i = 0, c = 0; i < x.length; i++, c = c + 1 === channels ? 0 : c + 1) {
    dx[i] = (scale[c] as number) * (dy[i] as number) + (shift[c] as number) + (slope[c] as number) * ((x[i] as number) - (mean[c] as number));
  }
}

const view = (wasm: BackendWasm, t: TensorInfo): Float32Array => wasm.typedArrayFromHeap(t) as Float32Array;

/** {@link BATCH_NORM_KERNEL} on the WASM backend. */
export const batchNormWasmConfig: KernelConfig = {
  kernelName: BATCH_NORM_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const epsilon = (attrs as { epsilon: number }).epsilon;
    const y = wasm.makeOutput(x.shape, 'float32');
    const mean = wasm.makeOutput(gamma.shape, 'float32');
    const variance = wasm.makeOutput(gamma.shape, 'float32');
    const stats = batchNormForward(view(wasm, x), view(wasm, gamma), view(wasm, beta), epsilon, view(wasm, y));
    view(wasm, mean).set(stats.mean);
    view(wasm, variance).set(stats.variance);
    return [y, mean, variance];
  },
};

/** {@link BATCH_NORM_GRAD_KERNEL} on the WASM backend. */
export const batchNormGradWasmConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const t = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance' | 'dMean' | 'dVariance', TensorInfo>;
    const { epsilon, part } = attrs as { epsilon: number; part: 'x' | 'params' };
    if (part === 'params') {
      const dGamma = wasm.makeOutput(t.mean.shape, 'float32');
      const dBeta = wasm.makeOutput(t.mean.shape, 'float32');
      batchNormParamGrad(view(wasm, t.dy), view(wasm, t.x), view(wasm, t.mean), view(wasm, t.variance), epsilon, view(wasm, dGamma), view(wasm, dBeta));
      return [dGamma, dBeta];
    }
    const dx = wasm.makeOutput(t.x.shape, 'float32');
    const [mean, variance, gamma, dMean, dVariance] = [t.mean, t.variance, t.gamma, t.dMean, t.dVariance].map((info) => view(wasm, info)) as Float32Array[];
    batchNormInputGrad(view(wasm, t.dy), view(wasm, t.x), { mean: mean!, variance: variance!, gamma: gamma!, dMean: dMean!, dVariance: dVariance! }, epsilon, view(wasm, dx));
    return dx;
  },
};

/** The gradient of {@link BATCH_NORM_KERNEL}: each input's part is computed only when the tape asks for it. */
export const batchNormGradConfig: GradConfig = {
  kernelName: BATCH_NORM_KERNEL,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy, dMean, dVariance] = dys as Tensor[];
    const [x, gamma, mean, variance] = saved as Tensor[];
    const epsilon = (attrs as { epsilon: number }).epsilon;
    const run = (part: 'x' | 'params', inputs: Record<string, Tensor>): Tensor | Tensor[] =>
      tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, inputs, { epsilon, part } as unknown as NamedAttrMap) as Tensor | Tensor[];
    const params = (): Tensor[] => run('params', { dy: dy!, x: x!, mean: mean!, variance: variance! }) as Tensor[];
    return {
      x: () => run('x', { dy: dy!, x: x!, gamma: gamma!, mean: mean!, variance: variance!, dMean: dMean!, dVariance: dVariance! }) as Tensor,
      gamma: () => params()[0] as Tensor,
      beta: () => params()[1] as Tensor,
    };
  },
};
