import * as tf from '@tensorflow/tfjs';
import { hiddenWidths, resolveDcganOptions } from './model-options.js';
import type { DcganOptions, ResolvedDcganOptions } from './model-options.js';
import { deriveSeed, SeedStream } from './seeds.js';

export { DCGAN_DEFAULTS, hiddenWidths, resolveDcganOptions } from './model-options.js';
export type { DcganOptions, ResolvedDcganOptions } from './model-options.js';

/** The two nets of a DCGAN and the options they were built with. */
export interface Dcgan {
  generator: tf.Sequential;
  discriminator: tf.Sequential;
  options: ResolvedDcganOptions;
}

/** Keras defaults, written out because tfjs-layers' own defaults differ (glorotNormal kernels). */
const KERNEL = 4;
const LEAKY_ALPHA = 0.3;
const BN_MOMENTUM = 0.99;
const BN_EPSILON = 1e-3;
const DROPOUT_RATE = 0.3;

/** Builds the generator and the discriminator of DESIGN §7 (the reference model at size 64, widthMult 1). */
export function buildDcgan(options: DcganOptions): Dcgan {
  const resolved = resolveDcganOptions(options);
  return { generator: buildGenerator(resolved), discriminator: buildDiscriminator(resolved), options: resolved };
}

/**
 * Noise `[batch, noiseDim]` → image `[batch, size, size, channels]` in [-1, 1]: noise reshaped to
 * 1×1×noiseDim, ConvT(1024·w, 4, s1, valid) → 4×4, then ConvT(4, s2, same) stages each with
 * BN + LeakyReLU, and a last ConvT(channels, 4, s2, same, tanh).
 */
export function buildGenerator(options: DcganOptions): tf.Sequential {
  const o = resolveDcganOptions(options);
  const init = initializers(o.seed, 'generator');
  const model = tf.sequential({ name: 'generator' });
  model.add(tf.layers.reshape({ name: 'g_noise', targetShape: [1, 1, o.noiseDim], inputShape: [o.noiseDim] }));
  hiddenWidths(o).forEach((filters, i) => {
    const n = i + 1;
    const [strides, padding] = i === 0 ? ([1, 'valid'] as const) : ([2, 'same'] as const);
    model.add(tf.layers.conv2dTranspose({ name: `g_convt_${n}`, filters, kernelSize: KERNEL, strides, padding, kernelInitializer: init() }));
    model.add(tf.layers.batchNormalization({ name: `g_bn_${n}`, momentum: BN_MOMENTUM, epsilon: BN_EPSILON }));
    model.add(tf.layers.leakyReLU({ name: `g_lrelu_${n}`, alpha: LEAKY_ALPHA }));
  });
  model.add(
    tf.layers.conv2dTranspose({
      name: 'g_convt_out',
      filters: o.channels,
      kernelSize: KERNEL,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: init(),
    }),
  );
  return model;
}

/**
 * Image → probability of being real `[batch, 1]`: Conv(4, s2, same) stages with the generator's
 * widths in reverse (the first with LeakyReLU only, the others BN + LeakyReLU + Dropout(0.3)),
 * then Conv(1, 4, s1, valid) → Dropout(0.3) → Flatten → Dense(1, sigmoid).
 */
export function buildDiscriminator(options: DcganOptions): tf.Sequential {
  const o = resolveDcganOptions(options);
  const init = initializers(o.seed, 'discriminator');
  const model = tf.sequential({ name: 'discriminator' });
  [...hiddenWidths(o)].reverse().forEach((filters, i) => {
    const n = i + 1;
    const inputShape = i === 0 ? { inputShape: [o.size, o.size, o.channels] } : {};
    model.add(tf.layers.conv2d({ name: `d_conv_${n}`, filters, kernelSize: KERNEL, strides: 2, padding: 'same', kernelInitializer: init(), ...inputShape }));
    if (i > 0) model.add(tf.layers.batchNormalization({ name: `d_bn_${n}`, momentum: BN_MOMENTUM, epsilon: BN_EPSILON }));
    model.add(tf.layers.leakyReLU({ name: `d_lrelu_${n}`, alpha: LEAKY_ALPHA }));
    if (i > 0) model.add(tf.layers.dropout({ name: `d_dropout_${n}`, rate: DROPOUT_RATE }));
  });
  model.add(tf.layers.conv2d({ name: 'd_conv_out', filters: 1, kernelSize: KERNEL, strides: 1, padding: 'valid', kernelInitializer: init() }));
  model.add(tf.layers.dropout({ name: 'd_dropout_out', rate: DROPOUT_RATE }));
  model.add(tf.layers.flatten({ name: 'd_flatten' }));
  model.add(tf.layers.dense({ name: 'd_dense', units: 1, activation: 'sigmoid', kernelInitializer: init() }));
  return model;
}

/** Glorot-uniform initializers with a distinct seed per layer, so the initial weights follow from the model seed. */
function initializers(seed: number, net: 'generator' | 'discriminator'): () => ReturnType<typeof tf.initializers.glorotUniform> {
  let layer = 0;
  const netId = net === 'generator' ? 1 : 2;
  return () => tf.initializers.glorotUniform({ seed: deriveSeed(seed, SeedStream.init, netId, layer++) });
}
