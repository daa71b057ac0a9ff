import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShardstreamError } from '../../src/core/errors.js';
import { buildDcgan, buildGenerator, hiddenWidths } from '../../src/train/model.js';
import type { Dcgan } from '../../src/train/model.js';
import { summarizeModel } from '../../src/train/model-summary.js';

// Keras parameter formulas (use_bias=True everywhere).
const convT = (k: number, cin: number, cout: number): number => k * k * cin * cout + cout;
const conv = convT;
const bn = (c: number): number => 4 * c; // gamma, beta (trainable) + moving mean, moving variance
const dense = (cin: number, cout: number): number => cin * cout + cout;

const outputShapes = (model: tf.LayersModel, className: string): number[][] =>
  summarizeModel(model)
    .layers.filter((l) => l.className === className)
    .map((l) => l.outputShape);

describe('the reference DCGAN (64×64×3, widthMult 1)', () => {
  let net: Dcgan;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    net = buildDcgan({ channels: 3 });
  });

  it('generator upsamples 1×1 → 4 → 8 → 16 → 32 → 64', () => {
    expect(net.generator.inputs[0]?.shape).toEqual([null, 100]);
    expect(outputShapes(net.generator, 'Conv2DTranspose')).toEqual([
      [4, 4, 1024],
      [8, 8, 512],
      [16, 16, 256],
      [32, 32, 128],
      [64, 64, 3],
    ]);
    expect(net.generator.outputs[0]?.shape).toEqual([null, 64, 64, 3]);
  });

  it('discriminator downsamples 64 → 32 → 16 → 8 → 4 → 1 → a probability', () => {
    expect(outputShapes(net.discriminator, 'Conv2D')).toEqual([
      [32, 32, 128],
      [16, 16, 256],
      [8, 8, 512],
      [4, 4, 1024],
      [1, 1, 1],
    ]);
    expect(outputShapes(net.discriminator, 'Dense')).toEqual([[1]]);
    expect(outputShapes(net.discriminator, 'Dropout')).toHaveLength(4);
  });

  it('has the layer sequence of DESIGN §7', () => {
    const classes = (m: tf.LayersModel): string[] => m.layers.map((l) => l.getClassName());
    const gStage = ['Conv2DTranspose', 'BatchNormalization', 'LeakyReLU'];
    expect(classes(net.generator)).toEqual(['Reshape', ...gStage, ...gStage, ...gStage, ...gStage, 'Conv2DTranspose']);
    const dStage = ['Conv2D', 'BatchNormalization', 'LeakyReLU', 'Dropout'];
    expect(classes(net.discriminator)).toEqual([
      'Conv2D', 'LeakyReLU', ...dStage, ...dStage, ...dStage, 'Conv2D', 'Dropout', 'Flatten', 'Dense',
    ]);
    const lrelu = net.generator.getLayer('g_lrelu_1').getConfig();
    expect(lrelu['alpha']).toBeCloseTo(0.3);
    const bnConfig = net.discriminator.getLayer('d_bn_2').getConfig();
    expect([bnConfig['momentum'], bnConfig['epsilon']]).toEqual([0.99, 1e-3]);
    expect(net.discriminator.getLayer('d_dropout_2').getConfig()['rate']).toBe(0.3);
    expect(net.generator.getLayer('g_convt_out').getConfig()['activation']).toBe('tanh');
    expect(net.discriminator.getLayer('d_dense').getConfig()['activation']).toBe('sigmoid');
    expect((net.generator.getLayer('g_convt_1').getConfig()['kernelInitializer'] as { className: string }).className).toBe('VarianceScaling');
  });

  it('has the parameter counts Keras reports', () => {
    const gParams = convT(4, 100, 1024) + bn(1024) + convT(4, 1024, 512) + bn(512) + convT(4, 512, 256) + bn(256) + convT(4, 256, 128) + bn(128) + convT(4, 128, 3);
    const dParams = conv(4, 3, 128) + conv(4, 128, 256) + bn(256) + conv(4, 256, 512) + bn(512) + conv(4, 512, 1024) + bn(1024) + conv(4, 1024, 1) + dense(1, 1);
    expect(gParams).toBe(12_664_195);
    expect(dParams).toBe(11_041_667);
    const g = summarizeModel(net.generator);
    const d = summarizeModel(net.discriminator);
    expect(g.params).toBe(gParams);
    expect(net.generator.countParams()).toBe(gParams);
    expect(g.trainableParams).toBe(gParams - 2 * (1024 + 512 + 256 + 128));
    expect(d.params).toBe(dParams);
    expect(d.trainableParams).toBe(dParams - 2 * (256 + 512 + 1024));
    expect(g.layers.find((l) => l.name === 'g_convt_2')?.params).toBe(8_389_120);
  });
});

describe('smaller and larger sizes', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('drops middle stages for smaller images and halves on for larger ones', () => {
    expect(hiddenWidths({ size: 64, widthMult: 1 })).toEqual([1024, 512, 256, 128]);
    expect(hiddenWidths({ size: 32, widthMult: 1 })).toEqual([1024, 256, 128]);
    expect(hiddenWidths({ size: 16, widthMult: 1 })).toEqual([1024, 128]);
    expect(hiddenWidths({ size: 8, widthMult: 1 })).toEqual([1024]);
    expect(hiddenWidths({ size: 128, widthMult: 1 })).toEqual([1024, 512, 256, 128, 64]);
    expect(hiddenWidths({ size: 16, widthMult: 1 / 16 })).toEqual([64, 8]);
    expect(hiddenWidths({ size: 64, widthMult: 1 / 2048 })).toEqual([1, 1, 1, 1]);
  });

  it('builds a tiny 16×16×1 pair whose nets mirror each other', () => {
    const { generator, discriminator } = buildDcgan({ size: 16, channels: 1, noiseDim: 8, widthMult: 1 / 16 });
    expect(outputShapes(generator, 'Conv2DTranspose')).toEqual([[4, 4, 64], [8, 8, 8], [16, 16, 1]]);
    expect(outputShapes(discriminator, 'Conv2D')).toEqual([[8, 8, 8], [4, 4, 64], [1, 1, 1]]);
    const y = tf.tidy(() => discriminator.predict(generator.predict(tf.zeros([2, 8])) as tf.Tensor) as tf.Tensor);
    expect(y.shape).toEqual([2, 1]);
    y.dispose();
  });

  it('builds 8×8 with a single upsampling stage', () => {
    const g = buildGenerator({ size: 8, channels: 3, widthMult: 1 / 64 });
    expect(outputShapes(g, 'Conv2DTranspose')).toEqual([[4, 4, 16], [8, 8, 3]]);
  });

  it('initial weights follow from the seed', () => {
    const weights = (seed: number): Float32Array =>
      buildGenerator({ size: 8, channels: 1, noiseDim: 4, widthMult: 1 / 64, seed }).getWeights()[0]?.dataSync() as Float32Array;
    expect(weights(1)).toEqual(weights(1));
    expect(weights(1)).not.toEqual(weights(2));
  });
});

describe('option validation', () => {
  it.each([
    [{ channels: 3, size: 48 }, 'Expected a power of two ≥ 8 for size but received 48 of type number'],
    [{ channels: 3, size: 4 }, 'Expected a power of two ≥ 8 for size but received 4 of type number'],
    [{ channels: 0 }, 'Expected a positive integer for channels but received 0 of type number'],
    [{ channels: 3, noiseDim: 2.5 }, 'Expected a positive integer for noiseDim but received 2.5 of type number'],
    [{ channels: 3, widthMult: 0 }, 'Expected a positive finite number for widthMult but received 0 of type number'],
    [{ channels: 3, seed: 0.5 }, 'Expected an integer for seed but received 0.5 of type number'],
  ])('rejects %j', (options, message) => {
    expect(() => buildDcgan(options)).toThrow(message);
    expect(() => buildDcgan(options)).toThrow(ShardstreamError);
  });
});
