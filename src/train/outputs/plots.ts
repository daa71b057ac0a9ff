import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { EvalRow } from '../../eval/eval-log.js';
import type { LossRow } from './loss-log.js';

/** One vega-lite unit chart (title, size, data, mark, encoding). */
type Chart = Record<string, unknown>;

/** A line chart of columns `series` of `rows` over epochs (one colour per column). */
function lineChart<R extends { readonly epoch: number }>(rows: readonly R[], series: readonly { key: keyof R & string; label?: string; scale?: number }[], title: string, yTitle: string): Chart {
  const values = rows.flatMap((r) => series.map((s) => ({ epoch: r.epoch, series: s.label ?? s.key, value: (r[s.key] as number) * (s.scale ?? 1) })));
  return {
    title,
    width: 560,
    height: 300,
    data: { values },
    mark: { type: 'line', point: rows.length <= 40 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

/** Render charts, one above the other, to PNG: vega-lite → SVG → sharp. */
async function writeCharts(path: string, charts: readonly Chart[]): Promise<void> {
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', background: 'white' };
  const spec = (charts.length === 1 ? { ...base, ...charts[0] } : { ...base, vconcat: charts, resolve: { scale: { color: 'independent' } } }) as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  await mkdir(dirname(path), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(path);
}

/** Generator and discriminator losses per epoch. */
export function writeLossPlot(path: string, rows: readonly LossRow[]): Promise<void> {
  return writeCharts(path, [lineChart(rows, [{ key: 'Gen_loss' }, { key: 'Dis_loss' }], 'DCGAN losses', 'binary cross-entropy')]);
}

/** Mean D(real) and D(fake) per epoch. */
export function writeProbabilityPlot(path: string, rows: readonly LossRow[]): Promise<void> {
  return writeCharts(path, [lineChart(rows, [{ key: 'Real_P' }, { key: 'Fake_P' }], 'Discriminator outputs', 'mean probability')]);
}

/** The digit score per epoch (dcgan-train --eval-every): share recognised and digits present above, classifier FID below. */
export function writeEvalPlot(path: string, rows: readonly EvalRow[]): Promise<void> {
  return writeCharts(path, [
    lineChart(rows, [{ key: 'recognised', label: 'recognised (%)', scale: 100 }, { key: 'digits_present', label: 'digits ×10', scale: 10 }], 'Digit score of the samples', 'percent'),
    lineChart(rows, [{ key: 'classifier_fid', label: 'classifier FID' }], 'Classifier FID to real test digits (lower is better)', 'Fréchet distance'),
  ]);
}
