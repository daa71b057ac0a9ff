import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLossCsv, writeLossCsv, type LossRow } from '../../src/train/outputs/loss-log.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { serveTinyTrainingData, tinyTrainOptions, type TinyTrainingData } from '../helpers/tiny-training.js';

const PYTHON = '/usr/bin/python3';
const HEADER = 'epoch,Real_P,Fake_P,Gen_loss,Dis_loss';
/** One row of the reference's log, as its training script formats it. */
const ROW = /^ {4}\d,(-?\d+\.\d{6}|nan|-?inf)(,(-?\d+\.\d{6}|nan|-?inf)){3}$/;

/** The reference's lines for `rows`: each value passed to Python as the bits of its double. */
const REFERENCE_FORMAT = `
import struct, sys
print('${HEADER}')
for line in sys.stdin.read().splitlines():
    epoch, *bits = line.split()
    values = [struct.unpack('<d', bytes.fromhex(h))[0] for h in bits]
    print('{:5d},{:.6f},{:.6f},{:.6f},{:.6f}'.format(int(epoch), *values))
`;

function pythonCsv(rows: readonly LossRow[]): string {
  const b = Buffer.alloc(8);
  const hex = (v: number): string => (b.writeDoubleLE(v, 0), b.toString('hex'));
  const input = rows.map((r) => [r.epoch, hex(r.Real_P), hex(r.Fake_P), hex(r.Gen_loss), hex(r.Dis_loss)].join(' ')).join('\n');
  return execFileSync(PYTHON, ['-c', REFERENCE_FORMAT], { input, encoding: 'utf8' });
}

const row = (epoch: number, Real_P: number, Fake_P: number, Gen_loss: number, Dis_loss: number): LossRow => ({ epoch, Real_P, Fake_P, Gen_loss, Dis_loss });

/** Edge values (ties at the 7th decimal, -0, tiny negatives, NaN, infinities, big) and a seeded spread. */
function sampleRows(): LossRow[] {
  const rows = [
    row(0, 0.5, 0.0078125, 0.6931471805599453, 1.3862943611198906),
    row(1, NaN, Infinity, -Infinity, -0),
    row(2, -1e-9, 0.0234375, 1e22, -123.4567895),
    row(12345, 2.5e-7, 3.5e-7, 0.9999995, 1 / 3),
  ];
  let s = 7;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s / 2 ** 32);
  for (let e = 3; e < 300; e++) rows.push(row(e, next(), next(), next() * 20, (next() - 0.5) * 10 ** Math.floor(next() * 12 - 6)));
  return rows;
}

describe('loss CSV (the reference format, byte for byte)', () => {
  it('writes the header and "{:5d},{:.6f},{:.6f},{:.6f},{:.6f}" rows as Python does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loss-csv-'));
    const path = join(dir, 'logs', 'x-loss.csv');
    await writeLossCsv(path, sampleRows().slice(0, 4));
    // Python's output for these values (produced with /usr/bin/python3, see the test below)
    expect(await readFile(path, 'utf8')).toBe(
      `${HEADER}\n` +
        '    0,0.500000,0.007812,0.693147,1.386294\n' +
        '    1,nan,inf,-inf,-0.000000\n' +
        '    2,-0.000000,0.023438,10000000000000000000000.000000,-123.456789\n' +
        '12345,0.000000,0.000000,1.000000,0.333333\n',
    );
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!existsSync(PYTHON))('agrees with /usr/bin/python3 formatting the same doubles', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loss-csv-'));
    const path = join(dir, 'x-loss.csv');
    const rows = sampleRows();
    await writeLossCsv(path, rows);
    const ours = await readFile(path, 'utf8');
    const python = pythonCsv(rows);
    const a = ours.split('\n');
    const b = python.split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    expect(i === -1 ? null : { line: i, ours: a[i] }).toEqual(i === -1 ? null : { line: i, ours: b[i] });
    expect(ours).toBe(python);
    await rm(dir, { recursive: true, force: true });
  });

  it('reads its own rows back, nan and inf included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loss-csv-'));
    const path = join(dir, 'x-loss.csv');
    await writeLossCsv(path, [row(0, 0.25, NaN, Infinity, -Infinity), row(1, 0.5, 0.125, 1.5, -2)]);
    expect(await readLossCsv(path)).toEqual([row(0, 0.25, NaN, Infinity, -Infinity), row(1, 0.5, 0.125, 1.5, -2)]);
    await writeFile(path, 'epoch,a,b\n    0,1,2\n');
    await expect(readLossCsv(path)).rejects.toThrow(`${path}: line 1: expected the header ${HEADER}`);
    await writeFile(path, `${HEADER}\n    0,0.1,0.2,0.3\n`);
    await expect(readLossCsv(path)).rejects.toThrow(`${path}: line 2: expected 5 values`);
    await writeFile(path, `${HEADER}\n    0,0.1,0.2,zero,0.4\n`);
    await expect(readLossCsv(path)).rejects.toThrow(`${path}: line 2: Gen_loss`);
    await rm(dir, { recursive: true, force: true });
  });
});

let data: TinyTrainingData;

beforeAll(async () => {
  data = await serveTinyTrainingData();
});

afterAll(async () => {
  await data?.close();
});

const tiny = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions =>
  tinyTrainOptions(data.url, out, { epochs: 3, stepsPerEpoch: 2, saveEvery: 10, seed: 5, log: () => undefined, ...extra });

/** Train until the 3rd step (mid-epoch 1), which saves a checkpoint and stops. */
async function interruptedRun(out: string): Promise<void> {
  const controller = new AbortController();
  let steps = 0;
  const r = await train(tiny(out, { signal: controller.signal, onStep: () => void (++steps === 3 && controller.abort()) }));
  expect(r.interrupted).toBe(true);
}

describe('loss CSV of a training run (tiny model, real shard-server)', () => {
  it('numbers epochs from 0 in the reference format; a resume continues it with no second header, no duplicate, no gap', async () => {
    const outA = await mkdtemp(join(tmpdir(), 'loss-run-a-'));
    const outB = await mkdtemp(join(tmpdir(), 'loss-run-b-'));
    const whole = await train(tiny(outA));
    const csv = await readFile(whole.layout.lossCsv, 'utf8');
    const lines = csv.split('\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines.slice(1, -1).map((l) => l.slice(0, 6))).toEqual(['    0,', '    1,', '    2,']);
    for (const l of lines.slice(1, -1)) expect(l).toMatch(ROW);
    expect(lines.at(-1)).toBe('');
    expect(whole.rows.map((r) => r.epoch)).toEqual([0, 1, 2]);

    await interruptedRun(outB);
    const layoutB = whole.layout.lossCsv.replace(outA, outB);
    expect((await readFile(layoutB, 'utf8')).split('\n').slice(0, 2).map((l) => l.slice(0, 6))).toEqual([HEADER.slice(0, 6), '    0,']);
    // rows a killed run wrote after its last checkpoint are not kept twice
    await appendFile(layoutB, '    1,0.500000,0.500000,0.693147,1.386294\n    2,0.500000,0.500000,0.693147,1.386294\n');
    const resumed = await train(tiny(outB, { resume: true }));
    expect(resumed.interrupted).toBe(false);
    expect(await readFile(resumed.layout.lossCsv, 'utf8')).toBe(csv);
    expect(resumed.rows.map((r) => r.epoch)).toEqual([0, 1, 2]);
    await rm(outA, { recursive: true, force: true });
    await rm(outB, { recursive: true, force: true });
  });

  it('refuses to resume when the loss CSV lacks rows of epochs the checkpoint has done', async () => {
    const out = await mkdtemp(join(tmpdir(), 'loss-run-c-'));
    await interruptedRun(out);
    const path = join(out, 'synth-False', 'logs', 'synth-False-loss.csv');
    await writeFile(path, `${HEADER}\n`);
    await expect(train(tiny(out, { resume: true }))).rejects.toThrow(`${path}: has the rows of epochs none, the checkpoint`);
    await rm(out, { recursive: true, force: true });
  });
});
