import * as tf from '@tensorflow/tfjs';
import { batchNormLayer, updateMovingStatistics } from '../batch-norm-training.js';
import type { BatchNormOverride, BatchRows } from '../forward.js';
import type { ReplicaExchange } from './gradient-exchange.js';

/** A sum over all replicas, as a differentiable op. */
type AllSum = (local: tf.Tensor) => tf.Tensor;

/**
 * The all-reduce Σ_replicas of a tensor as a tfjs op with its gradient. With J = Σ_j w_j L_j the
 * whole batch's loss (w_j = rows_j / total, L_j the replica's mean), every replica's tape computes
 * adjoints of L_k = J / w_k; the shared sum's adjoint is Σ_j w_j dy_j, so each input gets that
 * divided by its own weight.
 */
export function allSumOp(exchange: ReplicaExchange, weight: number): AllSum {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const local = args[0] as tf.Tensor;
    const value = tf.tensor(exchange.weightedSum(local.dataSync(), 1), local.shape, 'float32');
    const gradFunc = (dy: tf.Tensor): tf.Tensor => {
      const summed = exchange.weightedSum(dy.dataSync(), weight);
      for (let i = 0; i < summed.length; i++) summed[i] = summed[i]! / weight;
      return tf.tensor(summed, dy.shape, 'float32');
    };
    return { value, gradFunc };
  }) as AllSum;
}

/**
 * Synchronized BatchNormalization: the per-channel mean and (biased) variance over the whole
 * batch, summed across replicas, forward and backward; the moving statistics are updated as
 * tfjs-layers does it (moving ← moving − (moving − batch)·(1 − momentum)), with the whole batch's
 * statistics, so every replica's stay identical.
 */
export function syncBatchNorm(exchange: ReplicaExchange, rows: BatchRows, sliceRows: number): BatchNormOverride {
  const allSum = allSumOp(exchange, sliceRows / rows.total);
  return (layer, x) => {
    const bn = batchNormLayer(layer, x);
    return tf.tidy(() => {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const count = rows.total * x.shape.slice(1, -1).reduce((a, b) => a * b, 1);
      const mean = tf.div(allSum(tf.sum(x, axes)), count);
      const variance = tf.div(allSum(tf.sum(tf.square(tf.sub(x, mean)), axes)), count);
      const y = tf.batchNorm(x, mean, variance, bn.beta.read(), bn.gamma.read(), bn.epsilon);
      updateMovingStatistics(bn, mean, variance);
      return y;
    });
  };
}
