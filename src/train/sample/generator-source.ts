import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import { CHECKPOINT_FILES, LAYERS_MODEL_FILES } from '../checkpoint-files.js';
import { runLayout } from '../run-layout.js';


/** Where a generator is read from, as {@link resolveGeneratorSource} found it. */
export interface GeneratorSource {
  /** The checkpoint folder; undefined for a model folder or model.json outside a checkpoint. */
  readonly checkpoint: string | undefined;
  /** The generator's Layers `model.json`; undefined for checkpoints written before they held one. */
  readonly modelJson: string | undefined;
  /** The run folder `<out>/<SaveName>/` when the checkpoint is in its `checkpoints/` folder. */
  readonly run: string | undefined;
}

const EXPECTED = 'expected a checkpoint folder, a run folder <out>/<SaveName>/ or a generator model.json';

/**
 * Finds the generator of `path`: a checkpoint folder (`checkpoints/epoch-NNN/`), a run folder
 * (`<out>/<SaveName>/`: the checkpoint its `checkpoints/latest.json` names, the newest), a model
 * folder holding `model.json`, or a `model.json` file. Errors name the path and say what is there.
 */
export async function resolveGeneratorSource(path: string): Promise<GeneratorSource> {
  const input = resolve(path);
  let info;
  try {
    info = await stat(input);
  } catch {
    throw new InvalidInputError(path, `no such file or folder (${EXPECTED})`);
  }
  if (info.isFile()) {
    if (!input.endsWith('.json')) throw new InvalidInputError(path, `not a model.json (${EXPECTED})`);
    const parent = dirname(dirname(input));
    return fromCheckpoint(existsSync(join(parent, CHECKPOINT_FILES.manifest)) ? parent : undefined, input);
  }
  if (isCheckpoint(input)) return fromCheckpoint(input, undefined);
  if (existsSync(join(input, LAYERS_MODEL_FILES.model))) {
    const parent = dirname(input);
    return fromCheckpoint(existsSync(join(parent, CHECKPOINT_FILES.manifest)) ? parent : undefined, join(input, LAYERS_MODEL_FILES.model));
  }
  const layout = runLayout(dirname(input), basename(input));
  if (existsSync(layout.latestCheckpoint)) return fromCheckpoint(await latestOf(layout.latestCheckpoint, layout.checkpointDir), undefined);
  if (existsSync(layout.checkpointDir)) throw new InvalidInputError(layout.checkpointDir, `no ${basename(layout.latestCheckpoint)} naming the newest checkpoint: give a checkpoint folder inside it`);
  const runs = await runFoldersIn(input);
  const hint = runs.length > 0 ? `; run folders inside: ${runs.join(', ')}` : '';
  throw new InvalidInputError(path, `no checkpoint here (${EXPECTED})${hint}`);
}

function isCheckpoint(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILES.manifest)) || existsSync(join(dir, CHECKPOINT_FILES.generator, LAYERS_MODEL_FILES.model));
}

function fromCheckpoint(checkpoint: string | undefined, modelJson: string | undefined): GeneratorSource {
  const ownModel = checkpoint === undefined ? undefined : join(checkpoint, CHECKPOINT_FILES.generator, LAYERS_MODEL_FILES.model);
  const run = checkpoint !== undefined && basename(dirname(checkpoint)) === 'checkpoints' ? dirname(dirname(checkpoint)) : undefined;
  return { checkpoint, modelJson: modelJson ?? (ownModel !== undefined && existsSync(ownModel) ? ownModel : undefined), run };
}

/** The checkpoint folder a `latest.json` pointer (`{"checkpoint":"epoch-012"}`) names. */
async function latestOf(pointer: string, checkpointDir: string): Promise<string> {
  let name: unknown;
  try {
    name = (JSON.parse(await readFile(pointer, 'utf8')) as { checkpoint?: unknown }).checkpoint;
  } catch (error) {
    throw new InvalidInputError(pointer, `not a checkpoint pointer: ${(error as Error).message}`, { cause: error });
  }
  if (typeof name !== 'string' || name === '' || name.includes('/') || name.includes('\\') || name === '..') {
    throw new InvalidInputError(pointer, `expected {"checkpoint": "<folder name>"}, got ${JSON.stringify(name)}`);
  }
  const dir = join(checkpointDir, name);
  if (!isCheckpoint(dir)) throw new InvalidInputError(pointer, `names checkpoint ${dir}, which is missing or holds no ${CHECKPOINT_FILES.manifest}`);
  return dir;
}

async function runFoldersIn(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'checkpoints'))).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
