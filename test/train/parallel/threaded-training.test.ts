import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILES, loadCheckpoint } from '../../../src/train/checkpoint.js';
import type { TensorRecord } from '../../../src/train/gan-state.js';
import { LAYERS_MODEL_FILES } from '../../../src/train/layers-model-files.js';
import { buildDcgan } from '../../../src/train/model.js';
import { train, type TrainOptions } from '../../../src/train/trainer.js';
import { maxRelativeDifference, roundingNoiseWeights } from '../../helpers/tensor-difference.js';
import { serveTinyTrainingData, tinyTrainOptions, type TinyTrainingData } from '../../helpers/tiny-training.js';

let data: TinyTrainingData;

beforeAll(async () => {
  data = await serveTinyTrainingData();
});

afterAll(async () => {
  await data?.close();
});

const tiny = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => tinyTrainOptions(data.url, out, { epochs: 2, stepsPerEpoch: 3, saveEvery: 10, ...extra });


const csvCells = async (file: string): Promise<number[][]> =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',').map(Number));

describe('train({ threads }) (tiny model, cpu backend, real shard-server on 127.0.0.1)', () => {
  it('2 threads train as 1 thread does: the same loss CSV, gradients and weights up to float rounding', async () => {
    const one = await train(tiny(await mkdtemp(join(tmpdir(), 'threads-1-')), { threads: 1 }));
    let started = 0;
    const two = await train(tiny(await mkdtemp(join(tmpdir(), 'threads-2-')), { threads: 2, onStart: (s) => (started = s.threads) }));
    expect(started).toBe(2);
    const [a, b] = [await csvCells(one.layout.lossCsv), await csvCells(two.layout.lossCsv)];
    expect(b).toHaveLength(2);
    a.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - b[i]![j]!)).toBeLessThan(1e-5)));
    const [sa, sb] = [(await loadCheckpoint(one.checkpoint!)).state, (await loadCheckpoint(two.checkpoint!)).state];
    expect(sb.generatorOptimizer.iterations).toBe(6);
    // Adam's moments (running means of the gradients) and the weights agree tensor by tensor to float
    // rounding, but for the biases before BN, which random-walk on rounding noise in any run (see roundingNoiseWeights)
    const dcgan = buildDcgan({ size: 8, channels: 3, noiseDim: 8, widthMult: 1 / 64, seed: 3 });
    const noise = roundingNoiseWeights(dcgan.generator, dcgan.discriminator);
    const moments = (s: typeof sa): TensorRecord[] => [...s.generatorOptimizer.moments, ...s.discriminatorOptimizer.moments];
    expect(maxRelativeDifference(moments(sa), moments(sb), noise)).toBeLessThan(1e-5);
    expect(maxRelativeDifference([...sa.generator, ...sa.discriminator], [...sb.generator, ...sb.discriminator], noise)).toBeLessThan(1e-5);
  });

  it('resumes a threaded run exactly (the same state as an uninterrupted threaded run), and its Layers model files hold the trained weights', async () => {
    const whole = await train(tiny(await mkdtemp(join(tmpdir(), 'threads-whole-')), { threads: 2, epochs: 3 }));
    const out = await mkdtemp(join(tmpdir(), 'threads-resumed-'));
    const controller = new AbortController();
    let steps = 0;
    const onStep = (): void => {
      if (++steps === 5) controller.abort(); // mid-epoch 2
    };
    const first = await train(tiny(out, { threads: 2, epochs: 3, signal: controller.signal, onStep }));
    expect(first.interrupted).toBe(true);
    const resumed = await train(tiny(out, { threads: 2, epochs: 3, resume: true }));
    const [a, b] = [await loadCheckpoint(whole.checkpoint!), await loadCheckpoint(resumed.checkpoint!)];
    expect(b.meta.step).toBe(9);
    expect(JSON.stringify(b.state)).toBe(JSON.stringify(a.state));
    expect(await readFile(resumed.layout.lossCsv, 'utf8')).toBe(await readFile(whole.layout.lossCsv, 'utf8'));

    for (const net of ['generator', 'discriminator'] as const) {
      const dir = join(resumed.checkpoint!, CHECKPOINT_FILES[net]);
      const model = JSON.parse(await readFile(join(dir, LAYERS_MODEL_FILES.model), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ name: string; shape: number[] }> }> };
      const bytes = await readFile(join(dir, LAYERS_MODEL_FILES.weights));
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      let at = 0;
      const records = model.weightsManifest[0]!.weights.map((w) => {
        const n = w.shape.reduce((x, y) => x * y, 1);
        const r = { name: w.name, shape: w.shape, values: values.slice(at, at + n) };
        at += n;
        return r;
      });
      expect(at).toBe(values.length);
      expect(JSON.stringify(records)).toBe(JSON.stringify(b.state[net]));
    }
  });
});
