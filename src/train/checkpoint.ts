import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { InvalidInputError } from '../core/errors.js';
import type { GanModels, GanOptimizers } from './gan-step.js';
import { captureGanState, restoreGanState } from './gan-state.js';
import { CHECKPOINT_FILES } from './checkpoint-files.js';
import { saveLayersModel } from './layers-model-files.js';
import type { AdamState, GanState, TensorRecord } from './gan-state.js';

/** JSON values a checkpoint carries for the training loop (epoch, step, seed, options...). */
export type CheckpointMeta = { [key: string]: unknown };

export { CHECKPOINT_FILES } from './checkpoint-files.js';

const FORMAT = 'shardstream-gan-checkpoint';
const VERSION = 1;

/** Where one tensor lives in `weights.bin`: float32 little-endian, `offset` and `length` in floats. */
interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface AdamEntry extends Omit<AdamState, 'moments'> {
  moments: TensorEntry[];
}

/** The layout of `checkpoint.json`. */
interface CheckpointManifest {
  format: typeof FORMAT;
  version: typeof VERSION;
  meta: CheckpointMeta;
  weights: { file: string; bytes: number; sha256: string };
  generator: TensorEntry[];
  discriminator: TensorEntry[];
  generatorOptimizer: AdamEntry;
  discriminatorOptimizer: AdamEntry;
}

/**
 * Saves models and optimizers to `dir` (created if needed): both nets as Layers model folders
 * ({@link saveLayersModel}), then the exact-resume state ({@link saveCheckpoint}), whose
 * manifest is written last. Resuming reads only the resume state, so checkpoints written
 * before the model folders existed still load.
 */
export async function saveGan(dir: string, models: GanModels, optimizers: GanOptimizers, meta: CheckpointMeta = {}): Promise<void> {
  await saveLayersModel(join(dir, CHECKPOINT_FILES.generator), models.generator);
  await saveLayersModel(join(dir, CHECKPOINT_FILES.discriminator), models.discriminator);
  await saveCheckpoint(dir, await captureGanState(models, optimizers), meta);
}

/** Loads a checkpoint into models and optimizers of the same architecture; returns its meta. */
export async function loadGan(dir: string, models: GanModels, optimizers: GanOptimizers): Promise<CheckpointMeta> {
  const { state, meta } = await loadCheckpoint(dir);
  await restoreGanState(models, optimizers, state);
  return meta;
}

/**
 * Writes `checkpoint.json` (layout, optimizer scalars, meta, and the sha256 of the weights)
 * and `weights.bin` (every tensor as float32 LE, back to back). Plain files, so any backend
 * can save, with no tfjs-node `file://` handler. Each file is written under a temporary
 * name and renamed, the manifest last; a reader checks size and sha256 of the weights.
 */
export async function saveCheckpoint(dir: string, state: GanState, meta: CheckpointMeta = {}): Promise<void> {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const place = (records: readonly TensorRecord[]): TensorEntry[] =>
    records.map((r) => {
      const entry = { name: r.name, shape: r.shape, offset, length: r.values.length };
      chunks.push(r.values);
      offset += r.values.length;
      return entry;
    });
  const adam = (s: AdamState): AdamEntry => ({ iterations: s.iterations, accBeta1: s.accBeta1, accBeta2: s.accBeta2, moments: place(s.moments) });
  const layout = {
    generator: place(state.generator),
    discriminator: place(state.discriminator),
    generatorOptimizer: adam(state.generatorOptimizer),
    discriminatorOptimizer: adam(state.discriminatorOptimizer),
  };
  const bytes = toLittleEndian(chunks, offset);
  const manifest: CheckpointManifest = {
    format: FORMAT,
    version: VERSION,
    meta,
    weights: { file: CHECKPOINT_FILES.weights, bytes: bytes.length, sha256: sha256(bytes) },
    ...layout,
  };
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, CHECKPOINT_FILES.weights), bytes);
  await writeFileAtomic(join(dir, CHECKPOINT_FILES.manifest), JSON.stringify(manifest, null, 1) + '\n');
}

/** Reads a checkpoint written by {@link saveCheckpoint}, verifying its format, sizes and sha256. */
export async function loadCheckpoint(dir: string): Promise<{ state: GanState; meta: CheckpointMeta }> {
  const manifestPath = join(dir, CHECKPOINT_FILES.manifest);
  const manifest = parseManifest(manifestPath, await readOrFail(manifestPath, 'utf8'));
  const weightsPath = join(dir, manifest.weights.file);
  const bytes = await readOrFail(weightsPath);
  if (bytes.length !== manifest.weights.bytes) {
    throw new InvalidInputError(weightsPath, `${bytes.length} bytes, ${manifestPath} expects ${manifest.weights.bytes}`);
  }
  if (sha256(bytes) !== manifest.weights.sha256) throw new InvalidInputError(weightsPath, `sha256 does not match ${manifestPath}`);
  const floats = fromLittleEndian(bytes);
  const take = (entries: readonly TensorEntry[]): TensorRecord[] =>
    entries.map((e) => {
      if (e.offset < 0 || e.offset + e.length > floats.length || e.length !== e.shape.reduce((a, d) => a * d, 1)) {
        throw new InvalidInputError(manifestPath, `tensor ${e.name} [${e.shape.join(', ')}] does not fit ${weightsPath}`);
      }
      return { name: e.name, shape: e.shape, values: floats.slice(e.offset, e.offset + e.length) };
    });
  const adam = (a: AdamEntry): AdamState => ({ iterations: a.iterations, accBeta1: a.accBeta1, accBeta2: a.accBeta2, moments: take(a.moments) });
  const state: GanState = {
    generator: take(manifest.generator),
    discriminator: take(manifest.discriminator),
    generatorOptimizer: adam(manifest.generatorOptimizer),
    discriminatorOptimizer: adam(manifest.discriminatorOptimizer),
  };
  return { state, meta: manifest.meta };
}

function parseManifest(path: string, text: string): CheckpointManifest {
  let manifest: Partial<CheckpointManifest>;
  try {
    manifest = JSON.parse(text) as Partial<CheckpointManifest>;
  } catch (error) {
    throw new InvalidInputError(path, 'not valid JSON', { cause: error });
  }
  if (manifest.format !== FORMAT) throw new InvalidInputError(path, `not a ${FORMAT} manifest`);
  if (manifest.version !== VERSION) throw new InvalidInputError(path, `format version ${String(manifest.version)}, this reader knows ${VERSION}`);
  const required = ['weights', 'generator', 'discriminator', 'generatorOptimizer', 'discriminatorOptimizer', 'meta'] as const;
  const missing = required.filter((key) => manifest[key] === undefined);
  if (missing.length > 0) throw new InvalidInputError(path, `missing ${missing.join(', ')}`);
  return manifest as CheckpointManifest;
}

async function readOrFail(path: string): Promise<Buffer>;
async function readOrFail(path: string, encoding: 'utf8'): Promise<string>;
async function readOrFail(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  try {
    return encoding === undefined ? await readFile(path) : await readFile(path, encoding);
  } catch (error) {
    throw new InvalidInputError(path, `cannot read checkpoint file: ${(error as Error).message}`, { cause: error });
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toLittleEndian(chunks: readonly Float32Array[], total: number): Uint8Array {
  const out = new Float32Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  const bytes = new Uint8Array(out.buffer);
  if (!isLittleEndian()) swapWords(bytes);
  return bytes;
}

function fromLittleEndian(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes); // aligned, and ours to swap
  if (!isLittleEndian()) swapWords(copy);
  return new Float32Array(copy.buffer, 0, copy.length >>> 2);
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

function swapWords(bytes: Uint8Array): void {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const [a, b, c, d] = [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]] as [number, number, number, number];
    bytes[i] = d;
    bytes[i + 1] = c;
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}
