import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { writeAnimatedGif } from '../../src/train/outputs/gif.js';
import { writeImageGrid } from '../../src/train/outputs/image-grid.js';
import { LOSS_HEADERS, readLossCsv, writeLossCsv } from '../../src/train/outputs/loss-log.js';
import { writeLossPlot, writeProbabilityPlot } from '../../src/train/outputs/plots.js';

const rows = Array.from({ length: 5 }, (_, i) => ({ epoch: i, Real_P: 0.625 - i / 64, Fake_P: 0.25 + i / 64, Gen_loss: 1.5 - i / 8, Dis_loss: 1.125 + i / 16 }));

describe('training outputs', () => {
  it('writes and reads back the loss CSV in the reference format', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outputs-'));
    const path = join(dir, 'logs', 'MNIST-False-loss.csv');
    await writeLossCsv(path, rows);
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')[0]).toBe('epoch,Real_P,Fake_P,Gen_loss,Dis_loss');
    expect(text.split('\n')[1]).toBe('    0,0.625000,0.250000,1.500000,1.125000');
    expect(await readLossCsv(path)).toEqual(rows);
    await writeLossCsv(path, []);
    expect(await readFile(path, 'utf8')).toBe(`${LOSS_HEADERS.join(',')}\n`);
  });

  it('tiles 16 images into a 4×4 grid PNG with each tile in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'grid-'));
    const [h, w, c] = [6, 5, 3];
    // image k is flat grey at level k/15·2−1 → pixel value round((v+1)·127.5)
    const images = new Float32Array(16 * h * w * c);
    for (let k = 0; k < 16; k++) images.fill((k / 15) * 2 - 1, k * h * w * c, (k + 1) * h * w * c);
    const path = join(dir, 'plot', '001.png');
    await writeImageGrid(path, images, [16, h, w, c]);
    const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([4 * w, 4 * h, 3]);
    for (let k = 0; k < 16; k++) {
      const x = (k % 4) * w + 2;
      const y = Math.floor(k / 4) * h + 3;
      expect(data[(y * info.width + x) * 3]).toBe(Math.round((k / 15) * 255));
    }
  });

  it('joins grids into an animated GIF and renders both plots', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gif-'));
    const frames = [];
    for (let f = 0; f < 3; f++) {
      const p = join(dir, `${f}.png`);
      await writeImageGrid(p, new Float32Array(16 * 4 * 4).fill(f / 2 - 0.5), [16, 4, 4, 1]);
      frames.push(p);
    }
    await writeAnimatedGif(join(dir, 'anim.gif'), frames);
    const meta = await sharp(join(dir, 'anim.gif'), { animated: true }).metadata();
    expect(meta.format).toBe('gif');
    expect(meta.pages).toBe(3);
    expect(meta.pageHeight).toBe(16);
    await writeLossPlot(join(dir, 'loss.png'), rows);
    await writeProbabilityPlot(join(dir, 'prob.png'), rows);
    for (const f of ['loss.png', 'prob.png']) {
      const m = await sharp(join(dir, f)).metadata();
      expect(m.format).toBe('png');
      expect(m.width).toBeGreaterThan(500);
    }
  });
});
