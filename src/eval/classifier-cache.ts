import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../core/atomic-file.js';
import { fileSha256 } from '../core/file-sha256.js';
import { silentProgress, type ProgressSink } from '../core/progress.js';
import { MANIFEST_FILE } from '../shards/manifest.js';
import type { SelectedBackend } from '../train/backend.js';
import { LAYERS_MODEL_FILES, loadLayersModelFile, saveLayersModel } from '../train/layers-model-files.js';
import { CLASSIFIER_VERSION } from './digit-classifier.js';
import { classifierAccuracy, trainDigitClassifier, type ClassifierTraining } from './classifier-training.js';
import { readDigits } from './mnist-digits.js';
import { readMnistManifest } from './mnist-manifest.js';

/** Folder of the cached classifiers inside a shard set: `<shardset>/.classifier/<size>/`. */
export const CLASSIFIER_DIR = '.classifier';
const INFO_FILE = 'classifier.json';

/** What makes a cached classifier the right one: change any of it and it is trained again. */
interface CacheKey {
  readonly version: number;
  readonly size: number;
  /** sha256 of the shard set's manifest.json, which holds every shard's sha256. */
  readonly manifestSha256: string;
  readonly training: ClassifierTraining;
  readonly trainImages: number;
}

/** `classifier.json`, written after the model files. */
interface CacheInfo {
  readonly key: CacheKey;
  readonly testAccuracy: number;
  readonly testImages: number;
  readonly weightsSha256: string;
}

/** A classifier ready to score, and where it came from. */
export interface DigitClassifier {
  readonly model: tf.LayersModel;
  readonly size: number;
  /** Its `model.json`. */
  readonly path: string;
  /** Share of the test partition it labels right. */
  readonly testAccuracy: number;
  readonly testImages: number;
  /** True when it was trained by this call, false when taken from the cache. */
  readonly trained: boolean;
  /** Seconds spent training (0 when cached). */
  readonly trainSeconds: number;
}

/** Options of {@link loadOrTrainClassifier}. */
export interface ClassifierOptions {
  /** The MNIST shard-set folder (the cache is written inside it). */
  readonly data: string;
  /** Image side the classifier reads (the run's model size). */
  readonly size: number;
  readonly training: ClassifierTraining;
  /** Train on only the first N train digits (tests). @default all */
  readonly trainLimit?: number;
  /** Measure the accuracy on only the first N test digits. @default all */
  readonly testLimit?: number;
  /** Progress of the training steps. */
  readonly progress?: ProgressSink;
}

/**
 * The digit classifier for a shard set at a size: loaded from `<data>/.classifier/<size>/` when
 * its key (size, training options, the manifest's sha256) matches, else trained on the train
 * partition, measured on the test partition and saved there (each file atomically, the key last).
 */
export async function loadOrTrainClassifier(backend: SelectedBackend, options: ClassifierOptions): Promise<DigitClassifier> {
  const manifest = await readMnistManifest(options.data);
  const dir = join(options.data, CLASSIFIER_DIR, String(options.size));
  const modelJson = join(dir, LAYERS_MODEL_FILES.model);
  const trainRecords = manifest.partitions.find((p) => p.name === 'train')?.records ?? 0;
  const key: CacheKey = {
    version: CLASSIFIER_VERSION,
    size: options.size,
    manifestSha256: await fileSha256(join(options.data, MANIFEST_FILE)),
    training: options.training,
    trainImages: Math.min(trainRecords, options.trainLimit ?? Infinity),
  };
  const cached = await readCache(dir, key);
  if (cached) {
    const model = await loadLayersModelFile(modelJson);
    return { model, size: options.size, path: modelJson, testAccuracy: cached.testAccuracy, testImages: cached.testImages, trained: false, trainSeconds: 0 };
  }
  const t0 = performance.now();
  const train = await readDigits({ dir: options.data, partition: 'train', ...(options.trainLimit !== undefined ? { limit: options.trainLimit } : {}) });
  const model = await trainDigitClassifier(backend, train, options.size, options.training, options.progress ?? silentProgress);
  const trainSeconds = (performance.now() - t0) / 1000;
  const test = await readDigits({ dir: options.data, partition: 'test', ...(options.testLimit !== undefined ? { limit: options.testLimit } : {}) });
  const testAccuracy = await classifierAccuracy(backend, model, test, options.size);
  await saveLayersModel(dir, model);
  const info: CacheInfo = { key, testAccuracy, testImages: test.count, weightsSha256: await fileSha256(join(dir, LAYERS_MODEL_FILES.weights)) };
  await writeFileAtomic(join(dir, INFO_FILE), `${JSON.stringify(info, null, 1)}\n`);
  return { model, size: options.size, path: modelJson, testAccuracy, testImages: test.count, trained: true, trainSeconds };
}

/** The cache's info when it exists, its key is `key` and its weights are whole; else undefined (retrain). */
async function readCache(dir: string, key: CacheKey): Promise<CacheInfo | undefined> {
  const infoPath = join(dir, INFO_FILE);
  const weights = join(dir, LAYERS_MODEL_FILES.weights);
  if (!existsSync(infoPath) || !existsSync(weights) || !existsSync(join(dir, LAYERS_MODEL_FILES.model))) return undefined;
  let info: CacheInfo;
  try {
    info = JSON.parse(await readFile(infoPath, 'utf8')) as CacheInfo;
  } catch {
    return undefined;
  }
  if (stableJson(info.key) !== stableJson(key)) return undefined;
  if (info.weightsSha256 !== (await fileSha256(weights))) return undefined;
  return info;
}

function stableJson(value: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v)))
    .digest('hex');
}
