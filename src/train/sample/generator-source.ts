import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import { runLayout } from '../run-layout.js';

// checkpoint.ts and layers-model-files.ts load tfjs: their names are imported when a path is
// resolved, so that importing the package (src/index.ts) does not load tfjs.
type FileNames = { checkpoint: typeof import('../checkpoint.js').CHECKPOINT_FILES; model: typeof import('../layers-model-files.js').LAYERS_MODEL_FILES };

async function fileNames(): Promise<FileNames> {
  const [{ CHECKPOINT_FILES }, { LAYERS_MODEL_FILES }] = await Promise.all([import('../checkpoint.js'), import('../layers-model-files.js')]);
  return { checkpoint: CHECKPOINT_FILES, model: LAYERS_MODEL_FILES };
}

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
  const names = await fileNames();
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
    return fromCheckpoint(names, existsSync(join(parent, names.checkpoint.manifest)) ? parent : undefined, input);
  }
  if (isCheckpoint(names, input)) return fromCheckpoint(names, input, undefined);
  if (existsSync(join(input, names.model.model))) {
    const parent = dirname(input);
    return fromCheckpoint(names, existsSync(join(parent, names.checkpoint.manifest)) ? parent : undefined, join(input, names.model.model));
  }
  const layout = runLayout(dirname(input), basename(input));
  if (existsSync(layout.latestCheckpoint)) return fromCheckpoint(names, await latestOf(names, layout.latestCheckpoint, layout.checkpointDir), undefined);
  if (existsSync(layout.checkpointDir)) throw new InvalidInputError(layout.checkpointDir, `no ${basename(layout.latestCheckpoint)} naming the newest checkpoint: give a checkpoint folder inside it`);
  const runs = await runFoldersIn(input);
  const hint = runs.length > 0 ? `; run folders inside: ${runs.join(', ')}` : '';
  throw new InvalidInputError(path, `no checkpoint here (${EXPECTED})${hint}`);
}

function isCheckpoint(names: FileNames, dir: string): boolean {
  return existsSync(join(dir, names.checkpoint.manifest)) || existsSync(join(dir, names.checkpoint.generator, names.model.model));
}

function fromCheckpoint(names: FileNames, checkpoint: string | undefined, modelJson: string | undefined): GeneratorSource {
  const ownModel = checkpoint === undefined ? undefined : join(checkpoint, names.checkpoint.generator, names.model.model);
  const run = checkpoint !== undefined && basename(dirname(checkpoint)) === 'checkpoints' ? dirname(dirname(checkpoint)) : undefined;
  return { checkpoint, modelJson: modelJson ?? (ownModel !== undefined && existsSync(ownModel) ? ownModel : undefined), run };
}

/** The checkpoint folder a `latest.json` pointer (`{"checkpoint":"epoch-012"}`) names. */
async function latestOf(names: FileNames, pointer: string, checkpointDir: string): Promise<string> {
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
  if (!isCheckpoint(names, dir)) throw new InvalidInputError(pointer, `names checkpoint ${dir}, which is missing or holds no ${names.checkpoint.manifest}`);
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
