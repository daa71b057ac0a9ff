import { conv2DBackpropFilterCpuConfig } from './cpu-conv2d-backprop-filter.js';
import { activeTrainingKernels, registerTrainingKernels } from './kernel-registry.js';
import type { TrainingKernel } from './kernel-registry.js';

/** Kernels that make training on the pure-JS CPU backend bearable; results equal the stock kernels'. */
export const CPU_TRAINING_KERNELS: readonly TrainingKernel[] = [
  { config: conv2DBackpropFilterCpuConfig, replaces: true, why: 'the stock kernel indexes through TensorBuffer.get, ~85% of a step' },
];

/** Registers {@link CPU_TRAINING_KERNELS} (idempotent); returns the names registered now. */
export function registerCpuTrainingKernels(): string[] {
  return registerTrainingKernels(CPU_TRAINING_KERNELS);
}

/** Names of the kernels of {@link CPU_TRAINING_KERNELS} that are in effect. */
export function activeCpuTrainingKernels(): string[] {
  return activeTrainingKernels(CPU_TRAINING_KERNELS);
}
