/**
 * Trainer benchmarks, each measured side by side in one run:
 *  1. training images/s of the WASM backend (with shardstream's kernels) against the pure-JS CPU backend;
 *  2. the share of step time spent waiting for data when batches stream from a local
 *     shard-server (a separate process, format=tensor), against batches already in memory,
 *     with the two sources' steps interleaved on one model so that noise falls on both alike.
 *
 *   node dist/bench/train.js [--data DIR] [--size 32] [--width-mult 0.0625] [--batch 64] [--steps 30] [--runs 3] [--part all|backends|stream]
 *
 * --data is a shard set (default: a raw 32×32 MNIST set made with mnist-convert under .bench/).
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { openBatchStream, type Batch } from '../src/client/index.js';
import { packageRoot } from '../src/core/package-root.js';
import { selectBackend } from '../src/train/backend.js';
import { createOptimizers, ganStep } from '../src/train/gan-step.js';
import { buildDcgan } from '../src/train/model.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    size: { type: 'string', default: '32' },
    'width-mult': { type: 'string', default: '0.0625' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '30' },
    runs: { type: 'string', default: '3' },
    part: { type: 'string', default: 'all' },
  },
});
const part = values.part!;
if (!['all', 'backends', 'stream'].includes(part)) throw new Error(`Expected all, backends or stream for --part but received ${part}`);
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
for (let run = 0; run < (part === 'stream' ? 0 : runs); run++) {
  for (const backend of ['wasm', 'cpu'] as const) {
    await selectBackend(backend);
    ips[backend]!.push(await timeSteps(memory, channels));
  }
}

// 2. streaming from a local shard-server against batches in memory (WASM)
await selectBackend('wasm');
const server = spawn(process.execPath, [join(root, 'bin', 'shard-server.js'), '--data', data, '--port', '0', '--no-access-log'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    const m = /listening on (\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.on('exit', (code) => reject(new Error(`shard-server exited with ${code}`)));
});
/** CPU seconds a process has used so far (utime + stime from /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// Steps alternate between the two sources on one model (memory, stream, memory, stream, …), so
// the machine's noise (other processes, the two vCPUs slowing each other) falls on both alike
// rather than on whichever ran second; the compute per step is the same either way.
const streamRuns: { ips: number; wait: number; serverMs: number }[] = [];
const memoryRuns: number[] = [];
for (let run = 0; run < (part === 'backends' ? 0 : runs); run++) {
  const t = makeTrainer(channels, 1);
  const stream = await openBatchStream({ source: url, partitions: ['train'], batchSize, seed: 1, startEpoch: run, format: 'tensor' });
  const it = stream[Symbol.asyncIterator]();
  await t.step((await it.next()).value as Batch, 0);
  await t.step(memory[0]!, 0);
  let waited = 0;
  let streamSeconds = 0;
  let memorySeconds = 0;
  const server0 = cpuSeconds(server.pid!);
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
  const serverMs = ((cpuSeconds(server.pid!) - server0) * 1000) / steps;
  await stream.close();
  t.dispose();
  memoryRuns.push((steps * batchSize) / memorySeconds);
  streamRuns.push({ ips: (steps * batchSize) / streamSeconds, wait: waited / 1000 / streamSeconds, serverMs });
}
server.kill('SIGTERM');

console.log(`\nDCGAN ${size}×${size}×${channels}, width-mult ${widthMult}, batch ${batchSize}, ${steps} steps per measurement, median of ${runs} runs\n`);
if (part !== 'stream') {
  const wasm = median(ips.wasm!);
  const cpu = median(ips.cpu!);
  console.log('| backend | training images/s | ratio |');
  console.log('|---|---|---|');
  console.log(`| WASM (shardstream kernels) | ${wasm.toFixed(1)} | ${(wasm / cpu).toFixed(1)}× |`);
  console.log(`| pure-JS CPU | ${cpu.toFixed(1)} | 1.0× |`);
}
if (part !== 'backends') {
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
