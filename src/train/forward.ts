import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../core/errors.js';
import { fusedBatchNorm, hasFusedBatchNorm } from './batch-norm-training.js';
import { deriveSeed } from './seeds.js';

/** Options of {@link runModel}. */
export interface RunModelOptions {
  /** Training mode: batch statistics in BN (and moving-average updates), active dropout. */
  training: boolean;
  /** Seed of the dropout masks, needed in training when the model has Dropout layers. */
  dropoutSeed?: number;
  /** The input is these rows of a larger batch: dropout masks are drawn for the whole batch and these rows taken. */
  rows?: BatchRows;
  /** Computes training-mode BatchNormalization instead of the layer (e.g. synchronized over replicas); else one kernel where the backend has it. */
  batchNorm?: BatchNormOverride;
}

/** Which rows of a whole batch a data-parallel replica holds. */
export interface BatchRows {
  /** Rows of the whole batch. */
  readonly total: number;
  /** The first row this replica holds. */
  readonly offset: number;
}

/** Training-mode BatchNormalization of `x` by `layer`, moving statistics included. */
export type BatchNormOverride = (layer: tf.layers.Layer, x: tf.Tensor) => tf.Tensor;

/**
 * Applies a Sequential model layer by layer. In training, Dropout layers draw their masks
 * from `dropoutSeed` (a derived seed per layer) instead of Math.random, which is what tfjs
 * does for an unseeded Dropout layer (and a seeded one repeats its mask on every call).
 */
export function runModel(model: tf.LayersModel, input: tf.Tensor, options: RunModelOptions): tf.Tensor {
  return tf.tidy(() => {
    let x = input;
    model.layers.forEach((layer, index) => {
      if (options.training && layer.getClassName() === 'Dropout') {
        if (options.dropoutSeed === undefined) {
          throw new InvalidParameterError('dropoutSeed', `a seed for the Dropout layers of ${model.name}`, undefined);
        }
        const rate = layer.getConfig()['rate'] as number;
        const seed = deriveSeed(options.dropoutSeed, index);
        x = options.rows ? dropoutRows(x, rate, seed, options.rows) : tf.dropout(x, rate, undefined, seed);
      } else if (options.training && layer.getClassName() === 'BatchNormalization' && (options.batchNorm || hasFusedBatchNorm())) {
        x = (options.batchNorm ?? fusedBatchNorm)(layer, x);
      } else {
        x = layer.apply(x, { training: options.training }) as tf.Tensor;
      }
    });
    return x;
  });
}

/** tf.dropout's mask, drawn for the whole batch, applied to the rows `x` holds (the same values as one-thread dropout). */
function dropoutRows(x: tf.Tensor, rate: number, seed: number, rows: BatchRows): tf.Tensor {
  const keep = 1 - rate;
  const whole = tf.randomUniform([rows.total, ...x.shape.slice(1)], 0, 1, 'float32', seed);
  const multiplier = tf.div(tf.floor(tf.add(whole, keep)), keep);
  return tf.mul(x, tf.slice(multiplier, [rows.offset, ...x.shape.slice(1).map(() => 0)], x.shape));
}
