import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { LossRow } from './loss-log.js';

/** Render a line chart of `series` (columns of `rows`) over epochs to PNG: vega-lite → SVG → sharp. */
async function writeLineChart(path: string, rows: readonly LossRow[], series: readonly (keyof LossRow)[], title: string, yTitle: string): Promise<void> {
  const values = rows.flatMap((r) => series.map((s) => ({ epoch: r.epoch, series: s, value: r[s] })));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: 300,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: rows.length <= 40 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  await mkdir(dirname(path), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(path);
}

/** Generator and discriminator losses per epoch. */
export function writeLossPlot(path: string, rows: readonly LossRow[]): Promise<void> {
  return writeLineChart(path, rows, ['Gen_loss', 'Dis_loss'], 'DCGAN losses', 'binary cross-entropy');
}

/** Mean D(real) and D(fake) per epoch. */
export function writeProbabilityPlot(path: string, rows: readonly LossRow[]): Promise<void> {
  return writeLineChart(path, rows, ['Real_P', 'Fake_P'], 'Discriminator outputs', 'mean probability');
}
