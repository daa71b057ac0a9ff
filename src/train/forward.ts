import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../core/errors.js';
import { deriveSeed } from './seeds.js';

/** Options of {@link runModel}. */
export interface RunModelOptions {
  /** Training mode: batch statistics in BN (and moving-average updates), active dropout. */
  training: boolean;
  /** Seed of the dropout masks, needed in training when the model has Dropout layers. */
  dropoutSeed?: number;
}

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
        x = tf.dropout(x, rate, undefined, deriveSeed(options.dropoutSeed, index));
      } else {
        x = layer.apply(x, { training: options.training }) as tf.Tensor;
      }
    });
    return x;
  });
}
