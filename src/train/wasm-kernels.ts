import * as tf from '@tensorflow/tfjs';
import { adamWasmConfig } from './adam-kernel.js';
import { BATCH_NORM_KERNEL, batchNormGradConfig, batchNormGradWasmConfig, batchNormWasmConfig } from './batch-norm-kernel.js';
import { activeTrainingKernels, registerTrainingKernels } from './kernel-registry.js';
import type { TrainingKernel } from './kernel-registry.js';
import { conv2DBackpropFilterWasmConfig } from './wasm-conv2d-backprop-filter.js';
import { conv2DBackpropInputWasmConfig } from './wasm-conv2d-backprop-input.js';
import { identityWasmConfig } from './wasm-identity.js';
import { sumWasmConfig } from './wasm-sum.js';
import { tileWasmConfig } from './wasm-tile.js';

/**
 * Kernels for training on @tensorflow/tfjs-backend-wasm 4.22. Tracing every kernel a DCGAN step
 * runs (ConvT, BN, LeakyReLU, Dropout, Dense, sigmoid, BCE, Adam) shows one missing:
 * `Conv2DBackpropFilter`, the filter gradient of Conv2D, FusedConv2D and Conv2DBackpropInput.
 * `Conv2DBackpropInput` exists but is a naive loop, and it is the generator's forward pass
 * (transposed convolutions) and every conv's input gradient: ~70% of a step's time.
 * `Tile` exists but indexes every element; BatchNormalization's gradient tiles with it.
 * `Sum` over leading axes (every bias and BN gradient) transposes first with a slow Transpose.
 */
export const WASM_TRAINING_KERNELS: readonly TrainingKernel[] = [
  { config: conv2DBackpropFilterWasmConfig, replaces: false, why: 'missing in tfjs-backend-wasm' },
  { config: conv2DBackpropInputWasmConfig, replaces: true, why: 'the stock kernel is ~15× slower than Conv2D' },
  { config: tileWasmConfig, replaces: true, why: 'the stock kernel took 15 % of a 32×32 DCGAN step (BN gradients)' },
  { config: sumWasmConfig, replaces: true, why: 'leading-axes sums (bias and BN gradients) without the stock transpose: 8 % of a 32×32 step' },
  { config: adamWasmConfig, replaces: false, why: "one Adam update a variable (FusedAdamOptimizer) instead of tfjs' 13 ops" },
  { config: batchNormWasmConfig, replaces: false, why: 'training BatchNormalization in one kernel (fusedBatchNorm) instead of ~20 ops' },
  { config: batchNormGradWasmConfig, replaces: false, why: 'its gradient in one kernel instead of ~20 ops' },
  { config: identityWasmConfig, replaces: true, why: 'clones (~300 a step, the tensors custom gradients save) share memory instead of copying' },
];

/** Registers {@link WASM_TRAINING_KERNELS} (idempotent); returns the names registered now. */
export function registerWasmTrainingKernels(): string[] {
  if (tf.getGradient(BATCH_NORM_KERNEL) === undefined) tf.registerGradient(batchNormGradConfig);
  return registerTrainingKernels(WASM_TRAINING_KERNELS);
}

/** Names of the kernels of {@link WASM_TRAINING_KERNELS} that are in effect. */
export function activeWasmTrainingKernels(): string[] {
  return activeTrainingKernels(WASM_TRAINING_KERNELS);
}
