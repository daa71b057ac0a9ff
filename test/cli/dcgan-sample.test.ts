import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../src/train/trainer.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { serveTinyTrainingData, tinyTrainOptions, type TinyTrainingData } from '../helpers/tiny-training.js';
import { runBin } from '../helpers/run-bin.js';

// Tiny runs (8×8, 1/64 width, noise 8, 2 steps) trained once; every case runs the bin on their checkpoints.

let data: TinyTrainingData;
let gray: SyntheticShardSet;
let dir: string;
/** The RGB run folder `<out>/<SaveName>/` and its checkpoint. */
let run: string;
let checkpoint: string;
/** A grayscale run's checkpoint. */
let grayCheckpoint: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dcgan-sample-'));
  data = await serveTinyTrainingData();
  const rgb = await train(tinyTrainOptions(data.url, join(dir, 'runs'), { epochs: 1, stepsPerEpoch: 2 }));
  run = rgb.layout.root;
  checkpoint = rgb.checkpoint!;
  gray = await writeShardSet({ encoding: 'raw', height: 8, width: 8, channels: 1 });
  grayCheckpoint = (await train(tinyTrainOptions(gray.dir, join(dir, 'gray'), { epochs: 1, stepsPerEpoch: 2 }))).checkpoint!;
});

afterAll(async () => {
  await data?.close();
  await gray?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const sample = (args: readonly string[]) => runBin('dcgan-sample', [...args, '--backend', 'cpu']);

interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Buffer;
}

async function pixels(path: string, tile?: { index: number; size: number }): Promise<Pixels> {
  const image = tile === undefined ? sharp(path) : sharp(path).extract({ left: tile.index * tile.size, top: 0, width: tile.size, height: tile.size });
  const { data: bytes, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data: bytes };
}

describe('dcgan-sample (bin, tiny runs’ checkpoints)', () => {
  it('writes the samples, their grid, a walk and an arithmetic strip at the asked sizes; walk ends and one-seed terms are those seeds’ samples', async () => {
    const out = join(dir, 'all');
    const r = await sample([run, '--seeds', '3,7,9', '--interpolate', '3,7', '--steps', '5', '--arithmetic', '3,1+2,9', '--scale', '2', '--out', out]);
    expect(r.stderr).toContain('generator: ');
    expect(r.code).toBe(0);
    const names = ['seed-0003.png', 'seed-0007.png', 'seed-0009.png', 'grid-seeds-0003_0007_0009.png', 'walk-slerp-seed-0003-to-0007-5-steps.png', 'arithmetic-3-minus-1+2-plus-9.png'];
    expect(r.stdout).toContain(`wrote 6 PNGs to ${out} (×2):`);
    for (const name of names) expect(r.stdout).toContain(join(out, name));

    const seed = async (s: string): Promise<Pixels> => pixels(join(out, `seed-${s}.png`));
    const [s3, s7, s9] = await Promise.all([seed('0003'), seed('0007'), seed('0009')]);
    expect([s3.width, s3.height, s3.channels]).toEqual([16, 16, 3]);
    expect((await sharp(join(out, 'seed-0003.png')).metadata()).channels).toBe(3);
    expect(s3.data.equals(s7.data)).toBe(false);

    const grid = await pixels(join(out, names[3]!));
    expect([grid.width, grid.height]).toEqual([32, 32]); // 3 samples: 2 columns, 2 rows, the fourth tile black
    const gridTile = async (index: number, top: number): Promise<Buffer> =>
      sharp(join(out, names[3]!)).extract({ left: index * 16, top, width: 16, height: 16 }).raw().toBuffer();
    expect((await gridTile(0, 0)).equals(s3.data)).toBe(true);
    expect((await gridTile(0, 16)).equals(s9.data)).toBe(true);
    expect([...(await gridTile(1, 16))].every((v) => v === 0)).toBe(true);

    const walk = join(out, names[4]!);
    expect(await pixels(walk)).toMatchObject({ width: 80, height: 16, channels: 3 });
    expect((await pixels(walk, { index: 0, size: 16 })).data.equals(s3.data)).toBe(true);
    expect((await pixels(walk, { index: 4, size: 16 })).data.equals(s7.data)).toBe(true);
    expect((await pixels(walk, { index: 2, size: 16 })).data.equals(s3.data)).toBe(false);

    const arithmetic = join(out, names[5]!);
    expect(await pixels(arithmetic)).toMatchObject({ width: 64, height: 16 });
    expect((await pixels(arithmetic, { index: 0, size: 16 })).data.equals(s3.data)).toBe(true);
    expect((await pixels(arithmetic, { index: 2, size: 16 })).data.equals(s9.data)).toBe(true);
    expect((await pixels(arithmetic, { index: 3, size: 16 })).data.equals(s3.data)).toBe(false);

    // a linear walk has the same ends and another middle
    const linear = await sample([run, '--interpolate', '3,7', '--steps', '5', '--path', 'linear', '--scale', '2', '--out', out]);
    expect(linear.code).toBe(0);
    const line = join(out, 'walk-linear-seed-0003-to-0007-5-steps.png');
    expect((await pixels(line, { index: 0, size: 16 })).data.equals(s3.data)).toBe(true);
    expect((await pixels(line, { index: 4, size: 16 })).data.equals(s7.data)).toBe(true);
    expect((await pixels(line, { index: 2, size: 16 })).data.equals((await pixels(walk, { index: 2, size: 16 })).data)).toBe(false);
  });

  it('gives the same image for the same seed in another invocation, from the checkpoint folder, its model.json, or the old checkpoint layout', async () => {
    const first = join(dir, 'first');
    expect((await sample([run, '--seeds', '7', '--no-grid', '--scale', '2', '--out', first])).code).toBe(0);
    const reference = await pixels(join(first, 'seed-0007.png'));

    // the checkpoint folder, no --out: <run>/samples/<checkpoint name>/, scale ×8 for 8×8 images, seeds 6 and 7
    const r = await sample([checkpoint, '--n', '2', '--seed', '6']);
    expect(r.code).toBe(0);
    const defaultOut = join(run, 'samples', 'epoch-001');
    expect(r.stdout).toContain(`wrote 3 PNGs to ${defaultOut} (×8):`);
    const big = await pixels(join(defaultOut, 'seed-0007.png'));
    expect([big.width, big.height]).toEqual([64, 64]);
    expect(await pixels(join(defaultOut, 'grid-seeds-0006-0007.png'))).toMatchObject({ width: 128, height: 64 });
    const shrunk = await sharp(join(defaultOut, 'seed-0007.png')).resize(16, 16, { kernel: 'nearest' }).raw().toBuffer();
    expect(shrunk.equals(reference.data)).toBe(true);

    const viaModelJson = join(dir, 'via-model-json');
    expect((await sample([join(checkpoint, 'generator', 'model.json'), '--seeds', '7', '--no-grid', '--scale', '2', '--out', viaModelJson])).code).toBe(0);
    expect((await pixels(join(viaModelJson, 'seed-0007.png'))).data.equals(reference.data)).toBe(true);

    // a checkpoint written before the Layers model folders: the generator is rebuilt from checkpoint.json + weights.bin
    const old = join(dir, 'old-checkpoint');
    await cp(checkpoint, old, { recursive: true });
    await rm(join(old, 'generator'), { recursive: true });
    await rm(join(old, 'discriminator'), { recursive: true });
    const viaOld = join(dir, 'via-old');
    const o = await sample([old, '--seeds', '7', '--no-grid', '--scale', '2', '--out', viaOld]);
    expect(o.code).toBe(0);
    expect(o.stderr).toContain('(checkpoint.json + weights.bin)');
    expect((await pixels(join(viaOld, 'seed-0007.png'))).data.equals(reference.data)).toBe(true);
  });

  it('writes grayscale PNGs for a one-channel model', async () => {
    const out = join(dir, 'gray-out');
    const r = await sample([grayCheckpoint, '--seeds', '1', '--no-grid', '--out', out]);
    expect(r.code).toBe(0);
    const meta = await sharp(join(out, 'seed-0001.png')).metadata();
    expect([meta.width, meta.height, meta.channels, meta.space]).toEqual([64, 64, 1, 'b-w']);
  });

  it.each([
    [['--seeds', '3,x'], "option '--seeds <list>' argument '3,x' is invalid", 'for --seeds'],
    [['--seeds', '9-3'], "argument '9-3' is invalid", 'a range goes up'],
    [['--interpolate', '3'], "option '--interpolate <A,B>' argument '3' is invalid", 'two seeds A,B'],
    [['--interpolate', '3,7', '--steps', '1'], "option '--steps <K>' argument '1' is invalid", 'integer ≥ 2'],
    [['--arithmetic', '1,2'], "option '--arithmetic <A,B,C>' argument '1,2' is invalid", 'three terms A,B,C'],
    [['--arithmetic', '1++2,3,4'], "argument '1++2,3,4' is invalid", 'joined by +'],
    [['--steps', '4'], '--steps is the length of a walk: it needs --interpolate A,B', ''],
    [['--seeds', '1,2', '--n', '3'], '--seeds picks the seeds itself', ''],
    [['--no-png', '--no-grid'], '--no-png with --no-grid leaves nothing to write', ''],
    [['--path', 'arc', '--interpolate', '1,2'], "argument 'arc' is invalid", 'slerp'],
  ])('usage error %j exits 2 naming the option', async (args, message, detail) => {
    const r = await sample([join(dir, 'anywhere'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(detail);
  });

  it('exits 1 naming the path for a missing path, a folder without a checkpoint, a dangling latest.json, weights of another shape, and a model that is not a generator', async () => {
    const missing = join(dir, 'no-such-checkpoint');
    const m = await sample([missing]);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain(`error: ${missing}: no such file or folder`);

    // the <out> folder above the run folder: says which run folders it holds
    const out = join(dir, 'runs');
    const o = await sample([out]);
    expect(o.code).toBe(1);
    expect(o.stderr).toContain(`error: ${out}: no checkpoint here`);
    expect(o.stderr).toContain(`run folders inside: ${basename(run)}`);

    // a run folder whose latest.json names a checkpoint that is gone
    const brokenRun = join(dir, 'broken-run', basename(run));
    await mkdir(join(brokenRun, 'checkpoints'), { recursive: true });
    await writeFile(join(brokenRun, 'checkpoints', 'latest.json'), '{"checkpoint":"epoch-009"}\n');
    const b = await sample([brokenRun]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`error: ${join(brokenRun, 'checkpoints', 'latest.json')}: names checkpoint ${join(brokenRun, 'checkpoints', 'epoch-009')}, which is missing`);

    // an old-layout checkpoint whose meta describes another model than its weights
    const other = join(dir, 'other-shape');
    await cp(checkpoint, other, { recursive: true });
    await rm(join(other, 'generator'), { recursive: true });
    const manifest = JSON.parse(await readFile(join(other, 'checkpoint.json'), 'utf8')) as { meta: { model: { noiseDim: number } } };
    manifest.meta.model.noiseDim = 5;
    await writeFile(join(other, 'checkpoint.json'), JSON.stringify(manifest));
    const s = await sample([other]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`error: ${join(other, 'checkpoint.json')}: its generator weights do not fit the model its meta describes`);

    const discriminator = join(checkpoint, 'discriminator', 'model.json');
    const d = await sample([discriminator]);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(`error: ${discriminator}: not a generator: it takes input [null, 8, 8, 3], output [null, 1]`);
  });
});
