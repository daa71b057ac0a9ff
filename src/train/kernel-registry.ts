import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';

/** A kernel this project registers for a backend, and whether it replaces the backend's own. */
export interface TrainingKernel {
  config: KernelConfig;
  /** True: take the place of the backend's kernel; false: only fill a gap. */
  replaces: boolean;
  /** Why it is registered, for people. */
  why: string;
}

/**
 * Registers kernels and returns the names registered now. Idempotent: a kernel that is already
 * ours is left alone, and so is a gap-filler when the backend (a later version) has its own.
 */
export function registerTrainingKernels(kernels: readonly TrainingKernel[]): string[] {
  const added: string[] = [];
  for (const { config, replaces } of kernels) {
    const current = tf.getKernel(config.kernelName, config.backendName) as KernelConfig | undefined;
    if (current?.kernelFunc === config.kernelFunc || (current !== undefined && !replaces)) continue;
    if (current !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}

/** The names of those kernels that are ours in the registry now. */
export function activeTrainingKernels(kernels: readonly TrainingKernel[]): string[] {
  return kernels
    .filter(({ config }) => (tf.getKernel(config.kernelName, config.backendName) as KernelConfig | undefined)?.kernelFunc === config.kernelFunc)
    .map(({ config }) => config.kernelName);
}
