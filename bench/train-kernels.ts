/**
 * Convolution-gradient kernels of this project against the stock tfjs kernels they replace or
 * stand in for, measured side by side in one run on the layer shapes of the reference DCGAN.
 *
 *   node dist/bench/train-kernels.js [--batch 16] [--runs 3] [--step]
 *   node dist/bench/train-kernels.js --profile [--by-shape] [--size 32] [--width-mult 0.0625] [--channels 1] [--batch 64] [--runs 3]
 *   node dist/bench/train-kernels.js --ab Tile[,Kernel…] [--baseline DIR] [--size 32] [--width-mult 0.0625] [--channels 1] [--batch 64] [--runs 5]
 *
 * Conv2DBackpropInput (every transposed conv of the generator, and every conv's input gradient):
 * the WASM backend's stock kernel against ours. Conv2DBackpropFilter: WASM has none, so the
 * baseline is the stock CPU kernel, against our CPU and WASM kernels, on the discriminator at a
 * quarter of the width and batch (the stock kernel takes minutes at full size).
 * `--step` also times one full training step of the reference model on WASM.
 * `--profile` instead prints the self time of every WASM kernel in a training step of the
 * given model (bench:train's row by default), summed over `--runs` steps after a warm-up.
 *
 * Profile of bench:train's row (32×32×1, width 1/16, batch 64), issue 15, before this issue's
 * kernels (`--profile --runs 5`, load average ~16 on 2 cores, so 1.9 s a step instead of ~0.2 s;
 * the shares are what counts): BatchMatMul 26 % (38 calls: the matmuls inside the conv-gradient
 * kernels; by shape, the filter gradients' 16×4096 · 4096×128 took 50 ms a call where the same
 * product with its second operand reused takes 0.9 ms: the backend repacks that operand on every
 * call), Tile 15 % (9 calls, BN gradients), Conv2DBackpropFilter's own im2col 11 %,
 * Conv2DBackpropInput's own col2im 5 %, Identity 3 % (449 calls), Sum 3 %, Multiply 3 %
 * (342 calls), FusedConv2D 3 %, Transpose 2 %, Mean 2 %, ~20 elementwise kernels 10 % together,
 * and 17 % outside kernels (tape, engine, layers' JS). Hence Tile and Sum without the generic
 * index/transposes, and conv-gradient matmuls whose repacked operand is the small one.
 *
 * `--ab K1,K2` times training steps of that model with the named kernels of shardstream and with
 * the backend's stock kernels in their place, alternating step by step on one model (so noise
 * falls on both alike), and prints the median step of each and the speed-up. With `--baseline DIR`
 * the other side is the named kernels of another build of this project (DIR holds its dist/, e.g.
 * `git archive REV src bench … | tar -x -C DIR`, built there with node_modules linked to this one's).
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { selectBackend } from '../src/train/backend.js';
import { createOptimizers, ganStep } from '../src/train/gan-step.js';
import { buildDcgan } from '../src/train/model.js';
import { profileKernels } from './kernel-profile.js';

const { values } = parseArgs({
  options: {
    batch: { type: 'string' },
    runs: { type: 'string', default: '3' },
    step: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'by-shape': { type: 'boolean', default: false },
    ab: { type: 'string' },
    baseline: { type: 'string' },
    size: { type: 'string', default: '32' },
    'width-mult': { type: 'string', default: '0.0625' },
    channels: { type: 'string', default: '1' },
  },
});
const stepMode = values.profile || values.ab !== undefined;
const batch = Number(values.batch ?? (stepMode ? 64 : 16));
const runs = Number(values.runs);

/** A model of --size/--width-mult/--channels on WASM, after one warm-up step; `step(k)` runs step k. */
async function stepModel(): Promise<{ step(k: number): Promise<unknown>; label: string }> {
  const size = Number(values.size);
  const channels = Number(values.channels);
  const { generator, discriminator } = buildDcgan({ size, channels, widthMult: Number(values['width-mult']) });
  const optimizers = createOptimizers();
  const real = tf.randomUniform([batch, size, size, channels], -1, 1) as tf.Tensor4D;
  const step = (k: number): Promise<unknown> => ganStep({ generator, discriminator }, optimizers, { real, seed: 0, step: k });
  await step(0);
  return { step, label: `DCGAN ${size}×${size}×${channels}, width-mult ${values['width-mult']}, batch ${batch}` };
}

if (values.ab !== undefined) {
  const names = values.ab.split(',');
  await import('@tensorflow/tfjs-backend-wasm');
  let baseline = (name: string): KernelConfig | undefined => tf.getKernel(name, 'wasm') as KernelConfig | undefined;
  if (values.baseline !== undefined) {
    const file = join(resolve(values.baseline), 'dist', 'src', 'train', 'wasm-kernels.js');
    const { WASM_TRAINING_KERNELS: theirs } = (await import(pathToFileURL(file).href)) as { WASM_TRAINING_KERNELS: Array<{ config: KernelConfig }> };
    // What that build runs: its own kernel, else the backend's.
    const stockOf = baseline;
    baseline = (name) => theirs.find((t) => t.config.kernelName === name)?.config ?? stockOf(name);
  }
  const stock = names.map((name) => {
    const kernel = baseline(name);
    if (kernel === undefined) throw new Error(`Expected kernels the baseline has for --ab but received ${name}`);
    return kernel;
  });
  await selectBackend('wasm');
  const ours = names.map((name) => tf.getKernel(name, 'wasm') as KernelConfig);
  const use = (kernels: KernelConfig[]): void =>
    kernels.forEach((k) => {
      tf.unregisterKernel(k.kernelName, 'wasm');
      tf.registerKernel(k);
    });
  const model = await stepModel();
  const ms: Record<'stock' | 'ours', number[]> = { stock: [], ours: [] };
  for (let k = 1; k <= runs; k++) {
    for (const [side, kernels] of (k % 2 === 0 ? [['stock', stock], ['ours', ours]] : [['ours', ours], ['stock', stock]]) as Array<['stock' | 'ours', KernelConfig[]]>) {
      use(kernels);
      const start = performance.now();
      await model.step(k);
      ms[side].push(performance.now() - start);
    }
  }
  use(ours);
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${model.label}, steps alternating, median of ${runs} each (ms: stock ${ms.stock.map((x) => x.toFixed(0)).join(' ')}; ours ${ms.ours.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`| kernels ${names.join(', ')} | ms a step | speed-up |\n|---|---:|---:|`);
  console.log(`| ${values.baseline === undefined ? 'stock' : `baseline ${values.baseline}`} | ${med(ms.stock).toFixed(1)} | 1.00× |\n| shardstream | ${med(ms.ours).toFixed(1)} | ${(med(ms.stock) / med(ms.ours)).toFixed(2)}× |`);
  process.exit(0);
}

if (values.profile) {
  await selectBackend('wasm');
  const model = await stepModel();
  const profile = profileKernels('wasm', values['by-shape']);
  const start = performance.now();
  for (let k = 1; k <= runs; k++) await model.step(k);
  const stepMs = (performance.now() - start) / runs;
  const times = profile.stop();
  const kernelMs = times.reduce((sum, t) => sum + t.ms, 0) / runs;
  console.log(`${model.label}: ${stepMs.toFixed(1)} ms a step, ${kernelMs.toFixed(1)} ms in kernels (mean of ${runs} steps)\n`);
  console.log('| kernel | ms a step | share of step | calls a step |\n|---|---:|---:|---:|');
  for (const t of times.filter((t) => t.ms / runs >= 0.05)) {
    console.log(`| ${t.kernel} | ${(t.ms / runs).toFixed(1)} | ${((t.ms / runs / stepMs) * 100).toFixed(1)} % | ${t.calls / runs} |`);
  }
  console.log(`| (outside kernels: tape, engine, JS) | ${(stepMs - kernelMs).toFixed(1)} | ${(((stepMs - kernelMs) / stepMs) * 100).toFixed(1)} % | |`);
  process.exit(0);
}

/** The generator's transposed convs as Conv2DBackpropInput calls: dy (the ConvT input) → dx (its output). */
const INPUT_CASES = [
  { name: 'G 4×4×1024 → 8×8×512', dy: [batch, 4, 4, 1024], filter: [4, 4, 512, 1024], dx: [batch, 8, 8, 512] },
  { name: 'G 8×8×512 → 16×16×256', dy: [batch, 8, 8, 512], filter: [4, 4, 256, 512], dx: [batch, 16, 16, 256] },
  { name: 'G 16×16×256 → 32×32×128', dy: [batch, 16, 16, 256], filter: [4, 4, 128, 256], dx: [batch, 32, 32, 128] },
];
/** The discriminator's convs (widthMult 1/4) as Conv2DBackpropFilter calls, at a quarter of the batch. */
const small = Math.max(1, Math.floor(batch / 4));
const FILTER_CASES = [
  { name: 'D/4 64×64×3 → 32×32×32', x: [small, 64, 64, 3], dy: [small, 32, 32, 32], filter: [4, 4, 3, 32] },
  { name: 'D/4 32×32×32 → 16×16×64', x: [small, 32, 32, 32], dy: [small, 16, 16, 64], filter: [4, 4, 32, 64] },
  { name: 'D/4 8×8×128 → 4×4×256', x: [small, 8, 8, 128], dy: [small, 4, 4, 256], filter: [4, 4, 128, 256] },
];

/** Median milliseconds of `runs` calls of a kernel function on the active backend. */
function time(kernel: KernelConfig, inputs: Record<string, tf.Tensor>, attrs: NamedAttrMap): number {
  tf.engine().makeTensorFromTensorInfo(kernel.kernelFunc({ inputs, backend: tf.backend(), attrs }) as TensorInfo).dispose(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const out = kernel.kernelFunc({ inputs, backend: tf.backend(), attrs }) as TensorInfo;
    tf.engine().makeTensorFromTensorInfo(out).dispose();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? NaN;
}

const row = (name: string, base: number, ours: number, label: string): string =>
  `${name.padEnd(26)} ${base.toFixed(0).padStart(8)} ms ${ours.toFixed(0).padStart(8)} ms  ${(base / ours).toFixed(1).padStart(6)}× ${label}`;

// The stock kernels, taken before selectBackend replaces them.
await import('@tensorflow/tfjs-backend-wasm');
const stockInputWasm = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
const stockFilterCpu = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');

console.log(`batch ${batch}, median of ${runs}\n${'kernel / layer'.padEnd(26)} ${'baseline'.padStart(11)} ${'ours'.padStart(11)}  ratio`);
await selectBackend('wasm');
const oursInputWasm = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
for (const c of INPUT_CASES) {
  const inputs = { dy: tf.randomNormal(c.dy), filter: tf.randomNormal(c.filter) };
  const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: c.dx } as unknown as NamedAttrMap;
  console.log(row(c.name, time(stockInputWasm, inputs, attrs), time(oursInputWasm, inputs, attrs), 'Conv2DBackpropInput, wasm stock → ours'));
  tf.dispose(Object.values(inputs));
}

for (const c of FILTER_CASES) {
  const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: c.filter } as unknown as NamedAttrMap;
  await selectBackend('cpu');
  let inputs = { x: tf.randomNormal(c.x), dy: tf.randomNormal(c.dy) };
  const base = time(stockFilterCpu, inputs, attrs);
  const cpu = time(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu'), inputs, attrs);
  tf.dispose(Object.values(inputs));
  await selectBackend('wasm');
  inputs = { x: tf.randomNormal(c.x), dy: tf.randomNormal(c.dy) };
  const wasm = time(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm'), inputs, attrs);
  tf.dispose(Object.values(inputs));
  console.log(row(c.name, base, cpu, 'Conv2DBackpropFilter, cpu stock → cpu ours'));
  console.log(row(c.name, base, wasm, 'Conv2DBackpropFilter, cpu stock → wasm ours'));
}

if (values.step) {
  await selectBackend('wasm');
  const { generator, discriminator } = buildDcgan({ channels: 3 });
  const optimizers = createOptimizers();
  const real = tf.randomUniform([batch, 64, 64, 3], -1, 1) as tf.Tensor4D;
  await ganStep({ generator, discriminator }, optimizers, { real, seed: 0, step: 0 });
  const start = performance.now();
  await ganStep({ generator, discriminator }, optimizers, { real, seed: 0, step: 1 });
  console.log(`reference DCGAN 64×64×3, one training step of ${batch} images on wasm: ${((performance.now() - start) / 1000).toFixed(1)} s`);
}
