import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

/** Calls one kernel function directly on the active backend and reads its output back (then frees it). */
export function runKernelConfig(kernel: KernelConfig, inputs: NamedTensorInfoMap, attrs: Record<string, unknown>): { shape: number[]; values: number[] } {
  const info = kernel.kernelFunc({ inputs, backend: tf.backend(), attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const result = { shape: t.shape, values: Array.from(t.dataSync()) };
  t.dispose();
  return result;
}
