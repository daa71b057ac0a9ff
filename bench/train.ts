/**
 * Trainer benchmarks, each measured side by side in one run:
 *  1. training images/s of the WASM backend (with shardstream's kernels) against the pure-JS CPU backend;
 *  2. the share of step time spent waiting for data when batches stream from a local
 *     shard-server (a separate process, format=tensor), against batches already in memory,
 *     with the two sources' steps interleaved on one model so that noise falls on both alike;
 *  3. the PyTorch yardstick: the same DCGAN and simultaneous step in PyTorch (bench/dcgan_torch.py
 *     under --python, 2 threads and 1 thread) against ours on WASM, at the three model rows of
 *     issue 15, the three measurements of a row taking turns so that noise falls on all alike.
 *     Skipped with a note when --python cannot import torch.
 *
 *   node dist/bench/train.js [--data DIR] [--size 32] [--width-mult 0.0625] [--batch 64] [--steps 30] [--runs 3]
 *                            [--part all|backends|stream|pytorch] [--rows main,32,64] [--python /usr/bin/python3]
 *
 * --data is a shard set (default: a raw 32×32 MNIST set made with mnist-convert under .bench/).
 * The PyTorch rows have their own batch and step counts (PYTORCH_ROWS) and train both sides on
 * one fixed batch of uniform noise in [-1, 1], so they time the step alone.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { openBatchStream, type Batch } from '../src/client/index.js';
import { listeningUrl } from '../src/cli/listening-line.js';
import { cpuSeconds } from './proc-cpu.js';
import { packageRoot } from '../src/core/package-root.js';
import { selectBackend } from '../src/train/backend.js';
import { createOptimizers, ganStep } from '../src/train/gan-step.js';
import { buildDcgan, hiddenWidths, resolveDcganOptions, type DcganOptions } from '../src/train/model.js';
import { dcganWeightCounts, startTorchYardstick, type TorchParams } from './dcgan-torch.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    size: { type: 'string', default: '32' },
    'width-mult': { type: 'string', default: '0.0625' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '30' },
    runs: { type: 'string', default: '3' },
    part: { type: 'string', default: 'all' },
    rows: { type: 'string', default: 'main,32,64' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const part = values.part!;
if (!['all', 'backends', 'stream', 'pytorch'].includes(part)) throw new Error(`Expected all, backends, stream or pytorch for --part but received ${part}`);
const has = (p: string): boolean => part === 'all' || part === p;
const size = Number(values.size);
const widthMult = Number(values['width-mult']);
const batchSize = Number(values.batch);
const steps = Number(values.steps);
const runs = Number(values.runs);
const root = packageRoot();
const data = values.data ?? join(root, '.bench', 'mnist-32-raw');
if (!existsSync(join(data, 'manifest.json'))) {
  console.log(`making ${data} with mnist-convert …`);
  execFileSync(process.execPath, [join(root, 'bin', 'mnist-convert.js'), '--out', data, '--size', '32', '--format', 'raw', '--quiet'], { stdio: 'inherit' });
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A fresh model pair on the active backend, and a step function over uint8 batches. */
function makeTrainer(channels: number, seed: number): { step(batch: Batch, k: number): Promise<void>; dispose(): void } {
  const d = buildDcgan({ size, channels, widthMult, seed });
  const models = { generator: d.generator, discriminator: d.discriminator };
  const optimizers = createOptimizers();
  return {
    async step(batch, k) {
      const real = tf.tidy(() => {
        const x = tf.tensor4d(batch.images, [...batch.shape], 'int32').toFloat().div(127.5).sub(1) as tf.Tensor4D;
        return batch.shape[1] === size ? x : tf.image.resizeBilinear(x, [size, size]);
      });
      await ganStep(models, optimizers, { real, seed, step: k });
      real.dispose();
    },
    dispose() {
      d.generator.dispose();
      d.discriminator.dispose();
      optimizers.generator.dispose();
      optimizers.discriminator.dispose();
    },
  };
}

async function inMemoryBatches(count: number): Promise<Batch[]> {
  const stream = await openBatchStream({ source: data, partitions: ['train'], batchSize, seed: 1 });
  const out: Batch[] = [];
  for await (const b of stream) {
    out.push(b);
    if (out.length >= count) break;
  }
  await stream.close();
  return out;
}

async function timeSteps(batches: Batch[], channels: number): Promise<number> {
  const t = makeTrainer(channels, 1);
  await t.step(batches[0]!, 0); // warm-up (kernels, allocations)
  const t0 = performance.now();
  for (let k = 1; k <= steps; k++) await t.step(batches[k % batches.length]!, k);
  const seconds = (performance.now() - t0) / 1000;
  t.dispose();
  return (steps * batchSize) / seconds;
}

const memory = await inMemoryBatches(steps + 1);
const channels = memory[0]!.shape[3];

// 1. WASM against CPU
const ips: Record<string, number[]> = { wasm: [], cpu: [] };
for (let run = 0; run < (has('backends') ? runs : 0); run++) {
  for (const backend of ['wasm', 'cpu'] as const) {
    await selectBackend(backend);
    ips[backend]!.push(await timeSteps(memory, channels));
  }
}

// 3. the PyTorch yardstick, before the stream part so that its shard-server does not run beside it
/** The model rows of issue 15: the main job (npm start), bench:train's default, the reference model. */
const PYTORCH_ROWS = [
  { key: 'main', name: '16×16, width 1/8, batch 32 (the main job)', model: { size: 16, channels: 1, noiseDim: 32, widthMult: 1 / 8 }, batch: 32, steps: 30 },
  { key: '32', name: '32×32, width 1/16, batch 64 (bench:train)', model: { size: 32, channels: 1, noiseDim: 100, widthMult: 1 / 16 }, batch: 64, steps: 20 },
  { key: '64', name: '64×64, width 1, batch 16 (the reference model)', model: { size: 64, channels: 3, noiseDim: 100, widthMult: 1 }, batch: 16, steps: 2 },
] as const;
const rowKeys = values.rows!.split(',');
const badRow = rowKeys.find((k) => !PYTORCH_ROWS.some((r) => r.key === k));
if (badRow !== undefined) throw new Error(`Expected a list of main, 32, 64 for --rows but received ${values.rows}`);
const pytorchRows = PYTORCH_ROWS.filter((r) => rowKeys.includes(r.key));

/** Images/s of our step on WASM on one fixed batch of noise, as the yardstick does it: one warm-up step, then `steps`. */
async function timeOurs(model: DcganOptions, batch: number, stepCount: number): Promise<{ ips: number; params: TorchParams }> {
  const o = resolveDcganOptions({ ...model, seed: 1 });
  const { generator, discriminator } = buildDcgan(o);
  const optimizers = createOptimizers();
  const real = tf.randomUniform([batch, o.size, o.size, o.channels], -1, 1, 'float32', 1) as tf.Tensor4D;
  await ganStep({ generator, discriminator }, optimizers, { real, seed: 1, step: 0 });
  const t0 = performance.now();
  for (let k = 1; k <= stepCount; k++) await ganStep({ generator, discriminator }, optimizers, { real, seed: 1, step: k });
  const ips = (stepCount * batch) / ((performance.now() - t0) / 1000);
  const params = dcganWeightCounts(generator, discriminator);
  real.dispose();
  for (const d of [generator, discriminator, optimizers.generator, optimizers.discriminator]) d.dispose();
  return { ips, params };
}

type YardstickRow = { name: string; ours: number[]; torch2: number[]; torch1: number[] };
const yardstick: YardstickRow[] = [];
let yardstickNote = '';
if (has('pytorch')) {
  const torch = startTorchYardstick(values.python!, root);
  if ('skipped' in torch) {
    yardstickNote = `PyTorch rows skipped: ${torch.skipped}.`;
  } else {
    await selectBackend('wasm');
    for (const row of pytorchRows) {
      const r: YardstickRow = { name: row.name, ours: [], torch2: [], torch1: [] };
      const o = resolveDcganOptions(row.model);
      const request = { size: o.size, channels: o.channels, noiseDim: o.noiseDim, widths: hiddenWidths(o), batch: row.batch, steps: row.steps, seed: 1 };
      for (let run = 0; run < runs; run++) {
        // The three take turns, starting one further each run, so no side always follows another.
        const counts: { ours?: TorchParams; torch?: TorchParams } = {};
        const turns = [
          async () => {
            const ours = await timeOurs(row.model, row.batch, row.steps);
            r.ours.push(ours.ips);
            counts.ours = ours.params;
          },
          async () => {
            const t = await torch.measure({ ...request, threads: 2 });
            r.torch2.push(t.imagesPerSecond);
            counts.torch = t.params;
          },
          async () => r.torch1.push((await torch.measure({ ...request, threads: 1 })).imagesPerSecond),
        ];
        for (let i = 0; i < turns.length; i++) await turns[(i + run) % turns.length]!();
        if (run === 0) {
          // The comparison is honest only if both sides train the same weights.
          const [ours, theirs] = [JSON.stringify(counts.ours), JSON.stringify(counts.torch)];
          console.log(`${row.name}: weights ours ${ours}, PyTorch ${theirs}`);
          if (ours !== theirs) throw new Error(`${row.name}: the PyTorch model's weight counts differ from ours`);
        }
      }
      yardstick.push(r);
    }
    torch.close();
  }
}

// 2. streaming from a local shard-server against batches in memory (WASM)
await selectBackend('wasm');
const server = spawn(process.execPath, [join(root, 'bin', 'shard-server.js'), '--data', data, '--port', '0', '--no-access-log'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const found = listeningUrl(out);
    if (found !== undefined) resolve(found);
  });
  server.on('exit', (code) => reject(new Error(`shard-server exited with ${code}`)));
});

// Steps alternate between the two sources on one model (memory, stream, memory, stream, …), so
// the machine's noise (other processes, the two vCPUs slowing each other) falls on both alike
// rather than on whichever ran second; the compute per step is the same either way.
const streamRuns: { ips: number; wait: number; serverMs: number }[] = [];
const memoryRuns: number[] = [];
for (let run = 0; run < (has('stream') ? runs : 0); run++) {
  const t = makeTrainer(channels, 1);
  const stream = await openBatchStream({ source: url, partitions: ['train'], batchSize, seed: 1, startEpoch: run, format: 'tensor' });
  const it = stream[Symbol.asyncIterator]();
  await t.step((await it.next()).value as Batch, 0);
  await t.step(memory[0]!, 0);
  let waited = 0;
  let streamSeconds = 0;
  let memorySeconds = 0;
  const server0 = cpuSeconds([server.pid!]);
  for (let k = 1; k <= steps; k++) {
    const m0 = performance.now();
    await t.step(memory[k % memory.length]!, k);
    memorySeconds += (performance.now() - m0) / 1000;
    const s0 = performance.now();
    const next = await it.next();
    waited += performance.now() - s0;
    await t.step(next.value as Batch, k);
    streamSeconds += (performance.now() - s0) / 1000;
  }
  const serverMs = ((cpuSeconds([server.pid!]) - server0) * 1000) / steps;
  await stream.close();
  t.dispose();
  memoryRuns.push((steps * batchSize) / memorySeconds);
  streamRuns.push({ ips: (steps * batchSize) / streamSeconds, wait: waited / 1000 / streamSeconds, serverMs });
}
server.kill('SIGTERM');

if (has('backends') || has('stream')) {
  console.log(`\nDCGAN ${size}×${size}×${channels}, width-mult ${widthMult}, batch ${batchSize}, ${steps} steps per measurement, median of ${runs} runs\n`);
}
if (has('backends')) {
  const wasm = median(ips.wasm!);
  const cpu = median(ips.cpu!);
  console.log('| backend | training images/s | ratio |');
  console.log('|---|---|---|');
  console.log(`| WASM (shardstream kernels) | ${wasm.toFixed(1)} | ${(wasm / cpu).toFixed(1)}× |`);
  console.log(`| pure-JS CPU | ${cpu.toFixed(1)} | 1.0× |`);
}
if (has('stream')) {
  const mem = median(memoryRuns);
  const str = median(streamRuns.map((r) => r.ips));
  const wait = median(streamRuns.map((r) => r.wait));
  const serverMs = median(streamRuns.map((r) => r.serverMs));
  console.log(`\n| data source (WASM, steps interleaved) | training images/s | time waiting for data |`);
  console.log('|---|---|---|');
  console.log(`| batches already in memory | ${mem.toFixed(1)} | 0 % |`);
  console.log(`| local shard-server stream (format=tensor) | ${str.toFixed(1)} (${((str / mem) * 100).toFixed(1)} %) | ${(wait * 100).toFixed(2)} % |`);
  console.log(`\nshard-server CPU per batch: ${serverMs.toFixed(2)} ms (a step takes ${((batchSize / str) * 1000).toFixed(0)} ms)`);
}
if (has('pytorch')) {
  console.log(`\n| model (DESIGN §7 widths), images/s, median of ${runs} | ours, WASM 1 thread | PyTorch 2 threads | PyTorch 1 thread | ours / PyTorch 2 threads | ours / PyTorch 1 thread |`);
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of yardstick) {
    const [ours, t2, t1] = [median(r.ours), median(r.torch2), median(r.torch1)];
    console.log(`| ${r.name} | ${ours.toFixed(1)} | ${t2.toFixed(1)} | ${t1.toFixed(1)} | ${(ours / t2).toFixed(2)} | ${(ours / t1).toFixed(2)} |`);
  }
  if (yardstickNote !== '') console.log(yardstickNote);
}
