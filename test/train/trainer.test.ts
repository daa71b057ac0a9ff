import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { serveTinyTrainingData, tinyTrainOptions, type TinyTrainingData } from '../helpers/tiny-training.js';

let data: TinyTrainingData;

beforeAll(async () => {
  data = await serveTinyTrainingData();
});

afterAll(async () => {
  await data?.close();
});

const tiny = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => tinyTrainOptions(data.url, out, extra);

describe('train (tiny model, real shard-server on 127.0.0.1)', () => {
  it('writes the CSV, epoch grids, checkpoints, GIF and plots', async () => {
    const out = await mkdtemp(join(tmpdir(), 'train-'));
    const result = await train(tiny(out, { imageType: 'synth' }));
    const l = result.layout;
    expect(l.saveName).toBe('synth-False');
    expect(result.epochsDone).toBe(2);
    const csv = (await readFile(l.lossCsv, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('epoch,Real_P,Fake_P,Gen_loss,Dis_loss');
    expect(csv).toHaveLength(3);
    for (const [i, line] of csv.slice(1).entries()) {
      const cells = line.split(',').map(Number);
      expect(cells[0]).toBe(i); // the reference counts epochs from 0
      expect(cells.every(Number.isFinite)).toBe(true);
      expect(cells[1]).toBeGreaterThan(0);
      expect(cells[1]).toBeLessThan(1);
    }
    for (const epoch of [1, 2]) {
      const meta = await sharp(l.grid(epoch)).metadata();
      expect([meta.width, meta.height]).toEqual([32, 32]); // 4×4 tiles of 8×8
    }
    expect((await sharp(l.gif, { animated: true }).metadata()).pages).toBe(2);
    expect((await sharp(l.lossPlot).metadata()).format).toBe('png');
    expect((await sharp(l.probabilityPlot).metadata()).format).toBe('png');
    const { meta } = await loadCheckpoint(result.checkpoint!);
    expect(meta.epoch).toBe(2);
    expect(meta.step).toBe(12); // 48 train records / 8 = 6 steps per epoch
  });

  it('resumes from a mid-run checkpoint to the same weights as an uninterrupted run', async () => {
    const outA = await mkdtemp(join(tmpdir(), 'train-a-'));
    const outB = await mkdtemp(join(tmpdir(), 'train-b-'));
    const whole = await train(tiny(outA, { epochs: 3, stepsPerEpoch: 3, saveEvery: 10 }));
    // stop after the 5th step (mid-epoch 2), then resume
    const controller = new AbortController();
    let steps = 0;
    const first = await train(
      tiny(outB, {
        epochs: 3,
        stepsPerEpoch: 3,
        saveEvery: 10,
        signal: controller.signal,
        onStep: () => {
          if (++steps === 5) controller.abort();
        },
      }),
    );
    expect(first.interrupted).toBe(true);
    const resumed = await train(tiny(outB, { epochs: 3, stepsPerEpoch: 3, saveEvery: 10, resume: true }));
    expect(resumed.interrupted).toBe(false);
    const a = await loadCheckpoint(whole.checkpoint!);
    const b = await loadCheckpoint(resumed.checkpoint!);
    expect(b.meta.step).toBe(a.meta.step);
    expect(JSON.stringify(b.state)).toBe(JSON.stringify(a.state));
    expect(await readFile(resumed.layout.lossCsv, 'utf8')).toBe(await readFile(whole.layout.lossCsv, 'utf8'));
  });
});
