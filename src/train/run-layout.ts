import { join } from 'node:path';
import type { Manifest } from '../shards/manifest.js';

/**
 * The reference's SaveName, `<ImageType>-<bbox>`: `img_celeba-True`, `img_align_celeba-False`,
 * `MNIST-False`. Taken from the options the converter recorded, unless given.
 */
export function saveNameFor(manifest: Manifest, overrides: { imageType?: string | undefined; bbox?: boolean | undefined } = {}): string {
  const opts = manifest.options as Record<string, unknown>;
  const recordedType = typeof opts.imageType === 'string' ? opts.imageType : typeof opts.image_type === 'string' ? opts.image_type : undefined;
  const imageType = overrides.imageType ?? (manifest.dataset === 'mnist' ? 'MNIST' : (recordedType ?? manifest.dataset));
  const bbox = overrides.bbox ?? opts.bbox === true;
  return `${imageType}-${bbox ? 'True' : 'False'}`;
}

/** Where a run writes its outputs (DESIGN §7). */
export interface RunLayout {
  readonly root: string;
  readonly saveName: string;
  readonly lossCsv: string;
  readonly plotDir: string;
  /** `plot/<SaveName>/NNN.png` for epoch number `n` (1-based). */
  grid(epochNumber: number): string;
  readonly gif: string;
  readonly lossPlot: string;
  readonly probabilityPlot: string;
  readonly checkpointDir: string;
  /** File naming the newest checkpoint folder. */
  readonly latestCheckpoint: string;
}

/** The layout under `<out>/<SaveName>/`. */
export function runLayout(out: string, saveName: string): RunLayout {
  const root = join(out, saveName);
  const plotDir = join(root, 'plot', saveName);
  return {
    root,
    saveName,
    lossCsv: join(root, 'logs', `${saveName}-loss.csv`),
    plotDir,
    grid: (n) => join(plotDir, `${String(n).padStart(3, '0')}.png`),
    gif: join(root, 'plot', `${saveName}.gif`),
    lossPlot: join(root, 'plot', `${saveName}-loss.png`),
    probabilityPlot: join(root, 'plot', `${saveName}-probability.png`),
    checkpointDir: join(root, 'checkpoints'),
    latestCheckpoint: join(root, 'checkpoints', 'latest.json'),
  };
}
