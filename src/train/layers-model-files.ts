import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { InvalidInputError, WriteFailedError } from '../core/errors.js';
import { LAYERS_MODEL_FILES } from './checkpoint-files.js';

export { LAYERS_MODEL_FILES } from './checkpoint-files.js';

/**
 * Writes `model` to `dir` as a standard TensorFlow.js Layers model (`model.json` + one weights
 * file), loadable with `tf.loadLayersModel` in Node or a browser. Saved through
 * `tf.io.withSaveHandler`, so it works on every backend (no tfjs-node `file://` handler);
 * each file is written atomically, the weights first, so a `model.json` always has its weights.
 */
export async function saveLayersModel(dir: string, model: tf.LayersModel): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts?.weightData === undefined || artifacts.weightSpecs === undefined) {
    throw new WriteFailedError(join(dir, LAYERS_MODEL_FILES.model), `${model.name}: tfjs returned no weights to save`, undefined);
  }
  const weights = new Uint8Array(new tf.io.CompositeArrayBuffer(artifacts.weightData).slice());
  // The layout tfjs' own file and http handlers write (tf.io.getModelJSONForModelArtifacts is not exported).
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    weightsManifest: [{ paths: [LAYERS_MODEL_FILES.weights], weights: artifacts.weightSpecs }],
  };
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, LAYERS_MODEL_FILES.weights), weights);
  await writeFileAtomic(join(dir, LAYERS_MODEL_FILES.model), `${JSON.stringify(modelJson)}\n`);
}

/**
 * Loads a Layers model folder written by {@link saveLayersModel} (or tensorflowjs_converter):
 * `model.json` and the weight files its manifest names, read from disk (plain @tensorflow/tfjs
 * has no `file://` handler). `modelJson` is the path of `model.json`.
 */
export async function loadLayersModelFile(modelJson: string): Promise<tf.LayersModel> {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await readFile(modelJson, 'utf8')) as tf.io.ModelJSON;
  } catch (error) {
    throw new InvalidInputError(modelJson, `cannot read a TensorFlow.js model: ${(error as Error).message}`, { cause: error });
  }
  if (json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) throw new InvalidInputError(modelJson, 'not a TensorFlow.js Layers model.json (no modelTopology or weightsManifest)');
  const handler: tf.io.IOHandler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const files = await Promise.all(
          manifest.flatMap((group) =>
            group.paths.map(async (p) => {
              const path = join(dirname(modelJson), p);
              try {
                return await readFile(path);
              } catch (error) {
                throw new InvalidInputError(path, `cannot read the weights of ${modelJson}: ${(error as Error).message}`, { cause: error });
              }
            }),
          ),
        );
        const buffers = files.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        return [manifest.flatMap((group) => group.weights), tf.io.concatenateArrayBuffers(buffers)];
      }),
  };
  try {
    return await tf.loadLayersModel(handler);
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError(modelJson, `cannot load the model: ${(error as Error).message}`, { cause: error });
  }
}
