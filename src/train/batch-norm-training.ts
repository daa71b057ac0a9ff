import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { InvalidParameterError } from '../core/errors.js';
import { BATCH_NORM_KERNEL } from './batch-norm-kernel.js';

/** The weights and settings of a BatchNormalization layer that normalizes its last axis. */
export interface BatchNormLayer {
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  momentum: number;
  epsilon: number;
}

/** The weights of BatchNormalization `layer` applied to `x`, which must be normalized over its last axis. */
export function batchNormLayer(layer: tf.layers.Layer, x: tf.Tensor): BatchNormLayer {
  const config = layer.getConfig();
  const axis = config['axis'] as number;
  if (axis !== -1 && axis !== x.rank - 1) throw new InvalidParameterError(`${layer.name} axis`, 'the last axis', axis);
  const weight = (suffix: string): tf.LayerVariable => {
    const w = layer.weights.find((v) => v.originalName === suffix || v.originalName.endsWith(`/${suffix}`));
    if (!w) throw new InvalidParameterError(`${layer.name} weights`, `a ${suffix} weight`, layer.weights.map((v) => v.originalName));
    return w;
  };
  const [gamma, beta, movingMean, movingVariance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map(weight) as [tf.LayerVariable, tf.LayerVariable, tf.LayerVariable, tf.LayerVariable];
  return { gamma, beta, movingMean, movingVariance, momentum: config['momentum'] as number, epsilon: config['epsilon'] as number };
}

/** The moving averages as tfjs-layers updates them: moving ← moving − (moving − batch)·(1 − momentum). */
export function updateMovingStatistics(bn: BatchNormLayer, mean: tf.Tensor, variance: tf.Tensor): void {
  tf.tidy(() => {
    const decay = 1 - bn.momentum;
    for (const [moving, value] of [[bn.movingMean, mean], [bn.movingVariance, variance]] as const) {
      const old = moving.read();
      moving.write(tf.sub(old, tf.mul(tf.sub(old, value), decay)));
    }
  });
}

/** Whether the active backend has the one-kernel training BatchNormalization. */
export function hasFusedBatchNorm(): boolean {
  return tf.getKernel(BATCH_NORM_KERNEL, tf.getBackend()) !== undefined;
}

/**
 * Training-mode BatchNormalization `layer` of `x` as one kernel forward and one backward
 * (src/train/batch-norm-kernel.ts), with the moving statistics updated as the layer does:
 * the same values as `layer.apply(x, { training: true })` up to float rounding.
 */
export function fusedBatchNorm(layer: tf.layers.Layer, x: tf.Tensor): tf.Tensor {
  const bn = batchNormLayer(layer, x);
  const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_KERNEL, { x, gamma: bn.gamma.read(), beta: bn.beta.read() }, { epsilon: bn.epsilon } as unknown as NamedAttrMap) as tf.Tensor[];
  updateMovingStatistics(bn, mean as tf.Tensor, variance as tf.Tensor);
  tf.dispose([mean as tf.Tensor, variance as tf.Tensor]);
  return y as tf.Tensor;
}
