import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { InvalidInputError } from '../../core/errors.js';
import type { BackendPreference, SelectedBackend } from '../backend.js';
import { resolveGeneratorSource, type GeneratorSource } from './generator-source.js';
import { CHECKPOINT_FILES } from '../checkpoint-files.js';

/** A generator ready to draw: noise `[n, noiseDim]` → images `[n, size, size, channels]` in [-1, 1]. */
export interface LoadedGenerator {
  readonly model: tfjs.LayersModel;
  readonly noiseDim: number;
  readonly size: number;
  /** 1 (grayscale) or 3 (RGB). */
  readonly channels: 1 | 3;
  readonly source: GeneratorSource;
  /** What it was read from: the Layers `model.json`, or an older checkpoint's exact-resume state. */
  readonly format: 'layers-model' | 'checkpoint-state';
  readonly backend: SelectedBackend;
  /** Frees the model's weights. */
  dispose(): void;
}

/** Options of {@link loadGenerator}. */
export interface LoadGeneratorOptions {
  /** @default 'auto' */
  readonly backend?: BackendPreference;
}

/**
 * Loads the generator of a checkpoint folder, a run folder (its newest checkpoint), a model folder
 * or a `model.json` ({@link resolveGeneratorSource}) on the best backend: from `generator/model.json`
 * with `tf.loadLayersModel`, or, for checkpoints written before those existed, rebuilt from
 * `checkpoint.json` and `weights.bin`. Checks that it maps a noise vector to a square grayscale or
 * RGB image; errors name the file.
 */
export async function loadGenerator(path: string, options: LoadGeneratorOptions = {}): Promise<LoadedGenerator> {
  const source = await resolveGeneratorSource(path);
  const { selectBackend } = await import('../backend.js');
  const backend = await selectBackend(options.backend ?? 'auto');
  const where = source.modelJson ?? join(source.checkpoint ?? path, CHECKPOINT_FILES.manifest);
  const model = source.modelJson !== undefined ? await (await import('../layers-model-files.js')).loadLayersModelFile(source.modelJson) : await loadFromCheckpointState(source.checkpoint ?? path);
  try {
    const { noiseDim, size, channels } = generatorShape(model, where);
    return { model, noiseDim, size, channels, source, format: source.modelJson !== undefined ? 'layers-model' : 'checkpoint-state', backend, dispose: () => model.dispose() };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The generator of a checkpoint that has only the exact-resume state: built from its options, then its weights put back. */
async function loadFromCheckpointState(checkpoint: string): Promise<tfjs.LayersModel> {
  const [{ loadCheckpoint }, { buildGenerator }, { restoreModelWeights }] = await Promise.all([import('../checkpoint.js'), import('../model.js'), import('../gan-state.js')]);
  const where = join(checkpoint, CHECKPOINT_FILES.manifest);
  const { state, meta } = await loadCheckpoint(checkpoint);
  const model = meta.model as { size?: unknown; channels?: unknown; noiseDim?: unknown; widthMult?: unknown } | undefined;
  const numbers = model !== undefined && [model.size, model.channels, model.noiseDim, model.widthMult].every((v) => typeof v === 'number');
  if (!numbers || typeof meta.seed !== 'number') throw new InvalidInputError(where, 'meta has no model {size, channels, noiseDim, widthMult} and seed to rebuild the generator from');
  let generator: tfjs.LayersModel | undefined;
  try {
    generator = buildGenerator({ size: model.size as number, channels: model.channels as number, noiseDim: model.noiseDim as number, widthMult: model.widthMult as number, seed: meta.seed });
    restoreModelWeights(generator, state.generator);
    return generator;
  } catch (error) {
    generator?.dispose();
    throw new InvalidInputError(where, `its generator weights do not fit the model its meta describes (${JSON.stringify(model)}): ${(error as Error).message}`, { cause: error });
  }
}

/** noise `[null, d]` → `[null, s, s, 1 | 3]`, or an error naming `where`. */
function generatorShape(model: tfjs.LayersModel, where: string): { noiseDim: number; size: number; channels: 1 | 3 } {
  const input = model.inputs[0]?.shape ?? [];
  const output = model.outputs[0]?.shape ?? [];
  const [, noiseDim] = input;
  const [, h, w, c] = output;
  const dims = (shape: readonly (number | null)[]): string => `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
  const shapes = `input ${dims(input)}, output ${dims(output)}`;
  if (model.inputs.length !== 1 || input.length !== 2 || typeof noiseDim !== 'number') {
    throw new InvalidInputError(where, `not a generator: it takes ${shapes}, a generator takes a noise vector [null, noiseDim]`);
  }
  if (model.outputs.length !== 1 || output.length !== 4 || typeof h !== 'number' || h !== w || (c !== 1 && c !== 3)) {
    throw new InvalidInputError(where, `not a generator of square grayscale or RGB images: ${shapes}`);
  }
  return { noiseDim, size: h, channels: c };
}
