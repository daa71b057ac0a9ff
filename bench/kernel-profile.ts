/**
 * Per-kernel self time of the active backend: every kernel registered for it is wrapped with a
 * timer (WASM kernels are synchronous, so wall time is their time). A kernel that calls another
 * kernel (ours call the backend's matmul and transpose) is charged only its own part.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedTensorInfoMap } from '@tensorflow/tfjs';

/** Milliseconds and calls of one kernel. */
export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

/** A running profile: {@link KernelProfile.stop} restores the kernels and returns the times, slowest first. */
export interface KernelProfile {
  reset(): void;
  stop(): KernelTime[];
}

/** Wraps every kernel of `backendName` with a self-time counter; `byShape` keeps apart the calls of one kernel by their input shapes. */
export function profileKernels(backendName: string, byShape = false): KernelProfile {
  const totals = new Map<string, { ms: number; calls: number }>();
  const childMs: number[] = []; // one entry per kernel on the call stack: time spent in its callees
  const originals = tf.getKernelsForBackend(backendName) as KernelConfig[];
  for (const config of originals) {
    const wrapped: KernelConfig = {
      ...config,
      kernelFunc: (args) => {
        childMs.push(0);
        const start = performance.now();
        try {
          return config.kernelFunc(args);
        } finally {
          const ms = performance.now() - start;
          const own = ms - (childMs.pop() ?? 0);
          if (childMs.length > 0) childMs[childMs.length - 1]! += ms;
          const key = byShape ? `${config.kernelName} ${shapesOf(args.inputs)}` : config.kernelName;
          const t = totals.get(key) ?? { ms: 0, calls: 0 };
          t.ms += own;
          t.calls += 1;
          totals.set(key, t);
        }
      },
    };
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(wrapped);
  }
  return {
    reset: () => totals.clear(),
    stop() {
      for (const config of originals) {
        tf.unregisterKernel(config.kernelName, backendName);
        tf.registerKernel(config);
      }
      return [...totals].map(([kernel, t]) => ({ kernel, ...t })).sort((a, b) => b.ms - a.ms);
    },
  };
}

function shapesOf(inputs: NamedTensorInfoMap): string {
  return Object.entries(inputs)
    .map(([name, info]) => `${name}[${info?.shape.join(',') ?? ''}]`)
    .join(' ');
}
