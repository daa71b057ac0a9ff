import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { EVAL_HEADERS, evalPaths, readEvalCsv, writeEvalCsv } from '../../src/eval/eval-log.js';
import { runLayout } from '../../src/train/run-layout.js';
import { writeEvalPlot } from '../../src/train/outputs/plots.js';

const rows = [0, 1, 2].map((epoch) => ({ epoch, recognised: 0.25 + epoch / 4, digits_present: 7 + epoch, entropy_nats: 1.5 + epoch / 8, classifier_fid: 40 - epoch * 10, images: 2000 }));

describe('the eval CSV and plot of a run', () => {
  it('sit beside the loss CSV and plots, and the CSV reads back what was written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-log-'));
    const paths = evalPaths(runLayout(dir, 'MNIST-False'));
    expect(paths.csv).toBe(join(dir, 'MNIST-False', 'logs', 'MNIST-False-eval.csv'));
    expect(paths.plot).toBe(join(dir, 'MNIST-False', 'plot', 'MNIST-False-eval.png'));
    await writeEvalCsv(paths.csv, rows);
    const lines = (await readFile(paths.csv, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe(EVAL_HEADERS.join(','));
    expect(lines[1]).toBe('0,0.2500,7,1.5000,40.000,2000');
    expect(await readEvalCsv(paths.csv)).toEqual(rows);
  });

  it('a CSV of another layout is refused naming the file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-log-'));
    const path = join(dir, 'eval.csv');
    await writeEvalCsv(path, rows);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, 'epoch,Real_P\n0,1\n');
    await expect(readEvalCsv(path)).rejects.toThrow(`${path}: line 1: expected the header ${EVAL_HEADERS.join(',')}`);
    await writeFile(path, `${EVAL_HEADERS.join(',')}\n0,0.5,x,1,2,3\n`);
    await expect(readEvalCsv(path)).rejects.toThrow(`${path}: line 2: expected 6 numbers`);
  });

  it('the eval plot is a PNG of two charts, one above the other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-plot-'));
    const path = join(dir, 'plot', 'MNIST-False-eval.png');
    await writeEvalPlot(path, rows);
    const meta = await sharp(path).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(560);
    expect(meta.height).toBeGreaterThan(600); // two 300-pixel charts stacked
  });
});
