/**
 * Training threads (issue 15): images/s of dcgan-train's step on WASM with 1 thread against N
 * data-parallel threads (src/train/parallel: replicas, synchronized BN, gradients summed in shared
 * memory), at the three model rows of the issue, the two measured in turns within one run so
 * that the machine's load falls on both alike; each row reports medians and the median ratio.
 *
 *   node dist/bench/train-threads.js [--threads N] [--runs 3] [--rows main,32,64] [--steps-64 2]
 *
 * Worker start-up is not timed; each timing follows one warm-up step. Batches are fixed noise.
 * Also reported: the process's CPU time per image (all threads), whose ratio says what the
 * threads cost in extra work, independent of how loaded the machine is: with free cores the
 * speedup is about N over that ratio.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/train/backend.js';
import { createOptimizers } from '../src/train/gan-step.js';
import { buildDcgan, type DcganOptions } from '../src/train/model.js';
import { createGanStepper } from '../src/train/parallel/gan-stepper.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: String(availableParallelism()) },
    runs: { type: 'string', default: '3' },
    rows: { type: 'string', default: 'main,32,64' },
    'steps-64': { type: 'string', default: '2' },
  },
});
const threads = Number(values.threads);
const runs = Number(values.runs);
if (!Number.isSafeInteger(threads) || threads < 2) throw new Error(`Expected an integer ≥ 2 for --threads but received ${values.threads}`);

/** The model rows of issue 15 (as bench:train's PyTorch part has them). */
const ROWS = [
  { key: 'main', name: '16×16, width 1/8, batch 32 (the main job)', model: { size: 16, channels: 1, noiseDim: 32, widthMult: 1 / 8 }, batch: 32, steps: 20 },
  { key: '32', name: '32×32, width 1/16, batch 64 (bench:train)', model: { size: 32, channels: 1, noiseDim: 100, widthMult: 1 / 16 }, batch: 64, steps: 10 },
  { key: '64', name: '64×64, width 1, batch 16 (the reference model)', model: { size: 64, channels: 3, noiseDim: 100, widthMult: 1 }, batch: 16, steps: Number(values['steps-64']) },
] as const;
const keys = values.rows!.split(',');
if (keys.some((k) => !ROWS.some((r) => r.key === k))) throw new Error(`Expected a list of main, 32, 64 for --rows but received ${values.rows}`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Images/s and CPU ms per image of `steps` steps (after one warm-up) on `n` threads. */
async function measure(model: Omit<DcganOptions, 'seed'>, batch: number, steps: number, n: number): Promise<{ ips: number; cpuMs: number }> {
  const dcgan = buildDcgan({ ...model, seed: 1 });
  const models = { generator: dcgan.generator, discriminator: dcgan.discriminator };
  const optimizers = createOptimizers();
  const stepper = await createGanStepper({ threads: n, backend: 'wasm', models, optimizers, model: dcgan.options });
  const real = tf.randomUniform([batch, dcgan.options.size, dcgan.options.size, dcgan.options.channels], -1, 1, 'float32', 1) as tf.Tensor4D;
  try {
    await stepper.step(real, 1, 0);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let k = 1; k <= steps; k++) await stepper.step(real, 1, k);
    const cpu = process.cpuUsage(cpu0);
    return { ips: (steps * batch) / ((performance.now() - t0) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / (steps * batch) };
  } finally {
    real.dispose();
    await stepper.close();
    dcgan.generator.dispose();
    dcgan.discriminator.dispose();
    optimizers.generator.dispose();
    optimizers.discriminator.dispose();
  }
}

const backend = await selectBackend('wasm');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`backend: ${backend.description}; ${availableParallelism()} cores; load average at start ${load()}`);
console.log(`| model | 1 thread, img/s | ${threads} threads, img/s | ${threads} threads / 1 | CPU ms/image, 1 thread | CPU ms/image, ${threads} threads | CPU ratio |`);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const row of ROWS.filter((r) => keys.includes(r.key))) {
  const one: number[] = [];
  const many: number[] = [];
  const ratios: number[] = [];
  const cpuOne: number[] = [];
  const cpuMany: number[] = [];
  for (let run = 0; run < runs; run++) {
    // alternate which goes first, so that a load that rises or falls within a run favours neither
    const order = run % 2 === 0 ? [1, threads] : [threads, 1];
    const got = new Map<number, { ips: number; cpuMs: number }>();
    for (const n of order) got.set(n, await measure(row.model, row.batch, row.steps, n));
    const [a, b] = [got.get(1)!, got.get(threads)!];
    one.push(a.ips);
    many.push(b.ips);
    ratios.push(b.ips / a.ips);
    cpuOne.push(a.cpuMs);
    cpuMany.push(b.cpuMs);
  }
  const [c1, cn] = [median(cpuOne), median(cpuMany)];
  console.log(`| ${row.name} | ${median(one).toFixed(1)} | ${median(many).toFixed(1)} | ${median(ratios).toFixed(2)}× | ${c1.toFixed(2)} | ${cn.toFixed(2)} | ${(cn / c1).toFixed(2)} |`);
}
console.log(`load average at end ${load()} (on a loaded machine the ${threads}-thread ratio understates what ${threads} free cores give)`);
