import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { saveGan } from '../checkpoint.js';
import { writeAnimatedGif } from '../outputs/gif.js';
import { writeImageGrid } from '../outputs/image-grid.js';
import { writeLossCsv, type LossRow } from '../outputs/loss-log.js';
import { writeLossPlot, writeProbabilityPlot } from '../outputs/plots.js';
import { isUrlSource } from '../resolve-train-options.js';
import type { RunLayout } from '../run-layout.js';
import type { OpenRun } from './open-run.js';
import type { RunPosition } from './run-position.js';

/** Saves checkpoint `name` of the run at `position` and makes it the newest (`latest.json`); returns its folder. */
export async function saveRunCheckpoint(run: OpenRun, position: RunPosition, name: string): Promise<string> {
  const { o, layout } = run;
  const dir = join(layout.checkpointDir, name);
  await run.stepper.sync();
  // where the data was, so that dcgan-eval finds the shard set of a checkpoint
  await saveGan(dir, run.models, run.optimizers, { ...position, data: isUrlSource(o.data) ? o.data : resolve(o.data), ...(o.eval ? { evalData: resolve(o.eval.data) } : {}) });
  await writeFileAtomic(layout.latestCheckpoint, `${JSON.stringify({ checkpoint: name })}\n`);
  o.log(`checkpoint saved: ${dir}`);
  return dir;
}

/** After epoch `epoch`: the loss CSV with its row, and its grid of the 16 fixed noise vectors. */
export async function writeEpochOutputs(run: OpenRun, rows: readonly LossRow[], epoch: number): Promise<void> {
  await writeLossCsv(run.layout.lossCsv, rows);
  await run.stepper.sync();
  const grid = run.backend.tf.tidy(() => run.dcgan.generator.predict(run.gridNoise) as tfjs.Tensor4D);
  try {
    await writeImageGrid(run.layout.grid(epoch + 1), (await grid.data()) as Float32Array, grid.shape);
  } finally {
    grid.dispose();
  }
}

/** At the end of a run: the animated GIF of the epoch grids and the two plots. */
export async function writeFinalOutputs(layout: RunLayout, rows: readonly LossRow[]): Promise<void> {
  const frames = rows.map((r) => layout.grid(r.epoch + 1)).filter((p) => existsSync(p)); // grids are numbered from 1, CSV epochs from 0
  await writeAnimatedGif(layout.gif, frames);
  await writeLossPlot(layout.lossPlot, rows);
  await writeProbabilityPlot(layout.probabilityPlot, rows);
}
