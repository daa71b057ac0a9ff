import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import { loadGan } from '../checkpoint.js';
import type { GanModels, GanOptimizers } from '../gan-step.js';
import { lossRowsToResume, type LossRow } from '../outputs/loss-log.js';
import type { RunLayout } from '../run-layout.js';
import type { RunPosition } from './run-position.js';

/** Where a run starts: a fresh position, or the newest checkpoint's with the loss rows before it. */
export interface ResumePoint {
  readonly position: RunPosition;
  readonly rows: LossRow[];
  /** The checkpoint resumed from. */
  readonly checkpoint: string | undefined;
}

/**
 * Loads the newest checkpoint under `layout` into `models` and `optimizers`, after checking that it
 * belongs to this run (seed, batch size, SaveName, model); without one, the run starts at `fresh`.
 */
export async function resumeRun(layout: RunLayout, models: GanModels, optimizers: GanOptimizers, fresh: RunPosition, log: (line: string) => void): Promise<ResumePoint> {
  const checkpoint = await latestCheckpoint(layout);
  if (!checkpoint) {
    log(`no checkpoint under ${layout.checkpointDir}: starting from the beginning`);
    return { position: fresh, rows: [], checkpoint };
  }
  const position = checkResume((await loadGan(checkpoint, models, optimizers)) as RunPosition, fresh, checkpoint);
  const rows = await lossRowsToResume(layout.lossCsv, position.epoch, checkpoint);
  log(`resuming from ${checkpoint} at epoch ${position.epoch + 1}, batch ${position.batch}`);
  return { position, rows, checkpoint };
}

async function latestCheckpoint(layout: RunLayout): Promise<string | undefined> {
  if (!existsSync(layout.latestCheckpoint)) return undefined;
  const { checkpoint } = JSON.parse(await readFile(layout.latestCheckpoint, 'utf8')) as { checkpoint: string };
  return join(layout.checkpointDir, checkpoint);
}

function checkResume(saved: RunPosition, fresh: RunPosition, where: string): RunPosition {
  for (const key of ['seed', 'batchSize', 'saveName'] as const) {
    if (saved[key] !== fresh[key]) throw new InvalidInputError(where, `checkpoint has ${key} ${JSON.stringify(saved[key])}, this run ${JSON.stringify(fresh[key])}: resume with the same options`);
  }
  if ((saved.lrSchedule ?? 'step') !== fresh.lrSchedule) {
    throw new InvalidInputError(where, `checkpoint has lrSchedule ${JSON.stringify(saved.lrSchedule ?? 'step')}, this run ${JSON.stringify(fresh.lrSchedule)}: resume with the same options`);
  }
  if (JSON.stringify(saved.model) !== JSON.stringify(fresh.model)) {
    throw new InvalidInputError(where, `checkpoint model ${JSON.stringify(saved.model)} differs from this run's ${JSON.stringify(fresh.model)}`);
  }
  return saved;
}
