import type * as tf from '@tensorflow/tfjs';
import { captureGanState, restoreGanState } from '../gan-state.js';
import { ganStep, getLearningRate, type GanModels, type GanOptimizers, type GanStepResult } from '../gan-step.js';
import type { ResolvedDcganOptions } from '../model-options.js';
import { ReplicaPool } from './replica-pool.js';
import { InvalidParameterError } from '../../core/errors.js';

/** Runs the training steps of a run on one thread or on replicas. */
export interface GanStepper {
  /** Threads that train. */
  readonly threads: number;
  /** One step on the whole batch `real` (the learning rate is the main optimizers'). */
  step(real: tf.Tensor4D, seed: number, step: number): Promise<GanStepResult>;
  /** Brings the main thread's models and optimizers up to the trained state (before a grid or a checkpoint). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link createGanStepper}. */
export interface GanStepperOptions {
  readonly threads: number;
  /** The active tfjs backend's name. */
  readonly backend: string;
  /** The main thread's models and optimizers: the replicas start from their state. */
  readonly models: GanModels;
  readonly optimizers: GanOptimizers;
  readonly model: ResolvedDcganOptions;
}

/** One thread: ganStep on the main thread's models. More: a {@link ReplicaPool} started from their state. */
export async function createGanStepper(o: GanStepperOptions): Promise<GanStepper> {
  if (o.threads === 1) {
    return {
      threads: 1,
      step: (real, seed, step) => ganStep(o.models, o.optimizers, { real, seed, step }),
      sync: async () => undefined,
      close: async () => undefined,
    };
  }
  const backend = o.backend === 'wasm' || o.backend === 'cpu' ? o.backend : undefined;
  if (!backend) throw new InvalidParameterError('backend', '"wasm" or "cpu" (the backends training threads run on)', o.backend);
  const pool = await ReplicaPool.start({ threads: o.threads, backend, model: o.model, state: await captureGanState(o.models, o.optimizers) });
  let stale = false;
  return {
    threads: o.threads,
    async step(real, seed, step) {
      const values = (await real.data()) as Float32Array;
      stale = true;
      return pool.step({ real: values, shape: real.shape, seed, step, learningRate: getLearningRate(o.optimizers.generator) });
    },
    async sync() {
      if (!stale) return;
      await restoreGanState(o.models, o.optimizers, await pool.state());
      stale = false;
    },
    close: () => pool.close(),
  };
}
