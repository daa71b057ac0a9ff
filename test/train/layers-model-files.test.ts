import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { restoreModelWeights } from '../../src/train/gan-state.js';
import { buildDiscriminator, buildGenerator } from '../../src/train/model.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { serveTinyTrainingData, tinyTrainOptions, type TinyTrainingData } from '../helpers/tiny-training.js';

let data: TinyTrainingData;

beforeAll(async () => {
  data = await serveTinyTrainingData();
});

afterAll(async () => {
  await data?.close();
});

const tiny = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => tinyTrainOptions(data.url, out, { epochs: 1, stepsPerEpoch: 2, ...extra });

/**
 * A minimal file loader, independent of the code under test: plain @tensorflow/tfjs has no
 * `file://` handler, so read `model.json` and the files of its weights manifest, as a browser's
 * http handler would fetch them relative to the model's URL.
 */
function modelFolder(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const files = await Promise.all(manifest.flatMap((group) => group.paths.map((p) => readFile(join(dirname(modelJsonPath), p)))));
        const buffers = files.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        return [manifest.flatMap((group) => group.weights), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

describe('checkpoint Layers model files (tiny run, real shard-server on 127.0.0.1)', () => {
  it('a checkpoint reloads with tf.loadLayersModel and gives the trained nets’ outputs exactly', async () => {
    const out = await mkdtemp(join(tmpdir(), 'layers-'));
    const result = await train(tiny(out));
    const checkpoint = result.checkpoint!;
    const { state, meta } = await loadCheckpoint(checkpoint);
    const model = meta.model as { size: number; channels: number; noiseDim: number; widthMult: number };
    const options = { ...model, seed: meta.seed as number };

    const json = JSON.parse(await readFile(join(checkpoint, 'generator/model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0]?.paths).toEqual(['group1-shard1of1.bin']);

    // the trained generator, as the exact-resume state holds it
    const trained = buildGenerator(options);
    restoreModelWeights(trained, state.generator);
    const loaded = await tf.loadLayersModel(modelFolder(join(checkpoint, 'generator/model.json')));
    expect(loaded.name).toBe('generator');
    expect(loaded.inputs[0]?.shape).toEqual([null, model.noiseDim]);
    const noise = tf.randomNormal([4, model.noiseDim], 0, 1, 'float32', 11);
    const expected = await (trained.predict(noise) as tf.Tensor).data();
    const actual = await (loaded.predict(noise) as tf.Tensor).data();
    expect(actual.length).toBe(4 * model.size * model.size * model.channels);
    expect(Array.from(actual)).toEqual(Array.from(expected));

    const trainedD = buildDiscriminator(options);
    restoreModelWeights(trainedD, state.discriminator);
    const loadedD = await tf.loadLayersModel(modelFolder(join(checkpoint, 'discriminator/model.json')));
    const images = trained.predict(noise) as tf.Tensor;
    expect(Array.from(await (loadedD.predict(images) as tf.Tensor).data())).toEqual(Array.from(await (trainedD.predict(images) as tf.Tensor).data()));
    tf.dispose([noise, images]);
    [trained, loaded, trainedD, loadedD].forEach((m) => m.dispose());
  });

  it('resumes from a checkpoint written before the Layers model folders existed', async () => {
    const out = await mkdtemp(join(tmpdir(), 'layers-old-'));
    const first = await train(tiny(out));
    // the layout of checkpoints written before this change: checkpoint.json + weights.bin only
    await rm(join(first.checkpoint!, 'generator'), { recursive: true, force: true });
    await rm(join(first.checkpoint!, 'discriminator'), { recursive: true, force: true });
    const logs: string[] = [];
    const resumed = await train(tiny(out, { epochs: 2, resume: true, log: (line) => logs.push(line) }));
    expect(logs.some((l) => l.startsWith(`resuming from ${first.checkpoint!} at epoch 2`))).toBe(true);
    expect(resumed.epochsDone).toBe(2);
    expect((await loadCheckpoint(resumed.checkpoint!)).meta.step).toBe(4);
    expect(existsSync(join(resumed.checkpoint!, 'generator/model.json'))).toBe(true);
  });
});
