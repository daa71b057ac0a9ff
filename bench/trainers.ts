/**
 * Several experiments from one data box: one shard-server (a separate process) feeding 1, 2 and
 * 4 concurrent trainers (each a separate process running train() on one thread, its own seed, a
 * tiny model and a fixed number of steps), for two shard sets served by that one server: MNIST stored raw
 * (mnist-convert) and a synthetic set stored as JPEG, which the server decodes for
 * `format=tensor`. Reported per row:
 *   - the server's CPU per image delivered (user + system from /proc/<pid>/stat over the run,
 *     divided by the images all trainers trained on), and its ratio to the 1-trainer row;
 *   - each trainer's share of its epoch spent waiting for data (train()'s onStep waitShare):
 *     median and worst over the trainers;
 *   - images/s per trainer (median) and summed over all trainers.
 * Each configuration gets a fresh server (cold caches: the trainers of a row share what the
 * first one brings in), and the configurations of a run take turns, for --runs runs; the
 * median of each cell over the runs is printed.
 *
 *   npm run build && node dist/bench/trainers.js [--steps 40] [--runs 3] [--trainers 1,2,4] [--sets mnist-raw,synth-jpeg]
 *
 * The shard sets are written once under .bench/trainers/.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/core/package-root.js';
import { train } from '../src/train/trainer.js';
import { startServerProcess } from '../test/helpers/server-process.js';
import { noisyPixels, writeShardSet } from '../test/helpers/shard-set.js';
import { cpuSeconds } from './proc-cpu.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '40' },
    runs: { type: 'string', default: '3' },
    trainers: { type: 'string', default: '1,2,4' },
    sets: { type: 'string', default: 'mnist-raw,synth-jpeg' },
    batch: { type: 'string', default: '32' },
    // child mode: one trainer, reporting one JSON line
    child: { type: 'string' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});
const steps = Number(values.steps);
const batch = Number(values.batch);
const root = packageRoot();
const dataRoot = join(root, '.bench', 'trainers');

/** The shard sets of the bench: the dataset name the server knows each by. */
const SETS: Record<string, { dataset: string; make(dir: string): Promise<void> }> = {
  'mnist-raw': {
    dataset: 'mnist',
    async make(dir) {
      execFileSync(process.execPath, [join(root, 'bin', 'mnist-convert.js'), '--out', dir, '--partition', 'train', '--size', '16', '--format', 'raw', '--quiet'], { stdio: 'inherit' });
    },
  },
  'synth-jpeg': {
    dataset: 'synth-jpeg',
    async make(dir) {
      mkdirSync(dir, { recursive: true });
      await writeShardSet({ dir, dataset: 'synth-jpeg', encoding: 'jpeg', height: 16, width: 16, channels: 3, quality: 90, pixels: noisyPixels, partitions: [{ name: 'train', records: 20_000, shards: 4 }] });
    },
  },
};

/** What a trainer process reports. */
interface TrainerReport {
  readonly images: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly waitShare: number;
}

if (values.child !== undefined) {
  // child: train `steps` steps of the main job's tiny model from the server, then report
  const [url, dataset] = values.child.split('#') as [string, string];
  let last: TrainerReport | undefined;
  const t0 = performance.now();
  await train({
    data: url,
    dataset,
    partitions: ['train'],
    out: values.out!,
    backend: 'wasm',
    // one thread each, as the table was measured: the trainers are separate experiments sharing 2 cores
    threads: 1,
    size: 16,
    widthMult: 1 / 8,
    noiseDim: 32,
    batchSize: batch,
    lr: 3e-3,
    epochs: 1,
    stepsPerEpoch: steps,
    seed: Number(values.seed),
    onStep: (s) => {
      last = { images: s.step * batch, seconds: (performance.now() - t0) / 1000, imagesPerSecond: s.imagesPerSecond, waitShare: s.waitShare };
    },
  });
  process.stdout.write(`${JSON.stringify(last)}\n`);
  process.exit(0);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Run one trainer process; resolves with its report. */
function runTrainer(url: string, dataset: string, seed: number, out: string): Promise<TrainerReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'bench', 'trainers.js'), '--child', `${url}#${dataset}`, '--seed', String(seed), '--out', out, '--steps', String(steps), '--batch', String(batch)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`trainer (seed ${seed}, ${dataset}) exited with ${code}:\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as TrainerReport);
    });
  });
}

interface Row {
  readonly set: string;
  readonly trainers: number;
  readonly cpuPerImageUs: number;
  readonly waitMedian: number;
  readonly waitMax: number;
  readonly ipsMedian: number;
  readonly ipsTotal: number;
}

/** One configuration: a fresh server over every set, `n` concurrent trainers on `set`, seeds 0..n-1. */
async function measure(set: string, n: number, run: number): Promise<Row> {
  const server = await startServerProcess(['--data', dataRoot, '--no-access-log']);
  try {
    const outs = join(root, '.bench', 'trainers-runs', `${set}-${n}-${run}`);
    rmSync(outs, { recursive: true, force: true });
    const cpu0 = cpuSeconds([server.pid]);
    const reports = await Promise.all(Array.from({ length: n }, (_, i) => runTrainer(server.url, SETS[set]!.dataset, i, join(outs, String(i)))));
    const cpu = cpuSeconds([server.pid]) - cpu0;
    const images = reports.reduce((a, r) => a + r.images, 0);
    rmSync(outs, { recursive: true, force: true });
    return {
      set,
      trainers: n,
      cpuPerImageUs: (cpu / images) * 1e6,
      waitMedian: median(reports.map((r) => r.waitShare)),
      waitMax: Math.max(...reports.map((r) => r.waitShare)),
      ipsMedian: median(reports.map((r) => r.imagesPerSecond)),
      ipsTotal: reports.reduce((a, r) => a + r.imagesPerSecond, 0),
    };
  } finally {
    await server.stop();
  }
}

const sets = values.sets!.split(',');
const counts = values.trainers!.split(',').map(Number);
const runs = Number(values.runs);
for (const set of sets) {
  if (!SETS[set]) throw new Error(`Expected one of ${Object.keys(SETS).join(', ')} for --sets but received ${set}`);
  const dir = join(dataRoot, set);
  if (!existsSync(join(dir, 'manifest.json'))) {
    console.log(`making ${dir} …`);
    await SETS[set].make(dir);
  }
}
console.log(`${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${steps} steps of ${batch} per trainer (16×16, width 1/8, wasm), ${runs} runs`);
const results = new Map<string, Row[]>();
for (let run = 0; run < runs; run++) {
  for (const set of sets) {
    for (const n of counts) {
      const row = await measure(set, n, run);
      const key = `${set} ${n}`;
      results.set(key, [...(results.get(key) ?? []), row]);
      console.log(
        `run ${run + 1} ${set}, ${n} trainer${n === 1 ? '' : 's'}: server ${row.cpuPerImageUs.toFixed(1)} µs CPU/image, data wait median ${(row.waitMedian * 100).toFixed(2)} % (max ${(row.waitMax * 100).toFixed(2)} %), ${row.ipsMedian.toFixed(0)} img/s per trainer, ${row.ipsTotal.toFixed(0)} total`,
      );
    }
  }
}

console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| shard set | trainers | server CPU per image | vs 1 trainer | data wait, median (max) | img/s per trainer | img/s, all trainers |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const set of sets) {
  const base = median((results.get(`${set} 1`) ?? []).map((r) => r.cpuPerImageUs));
  for (const n of counts) {
    const rows = results.get(`${set} ${n}`)!;
    const cpu = median(rows.map((r) => r.cpuPerImageUs));
    console.log(
      `| ${set} | ${n} | ${cpu.toFixed(1)} µs | ${Number.isFinite(base) ? `${(cpu / base).toFixed(2)}×` : '—'} | ${(median(rows.map((r) => r.waitMedian)) * 100).toFixed(2)} % (${(median(rows.map((r) => r.waitMax)) * 100).toFixed(2)} %) | ${median(rows.map((r) => r.ipsMedian)).toFixed(0)} | ${median(rows.map((r) => r.ipsTotal)).toFixed(0)} |`,
    );
  }
}
