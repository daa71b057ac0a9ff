/**
 * The main job's preset sweep (issue 14 item 4): trains candidate presets of `npm start` through
 * the dcgan-train bin on an MNIST 16×16 shard-set folder, scores each run's last epoch with the
 * bin's `--eval-every` (2,000 images, the cached classifier of dcgan-eval) and prints one table:
 * recognised %, digits present, classifier FID, s/step and training seconds (the sum of the
 * epochs' times, which leave out the scoring and the checkpoints), with the load average.
 *
 *   npm run build && node bin/mnist-convert.js --out data/mnist-16 --size 16 --format raw
 *   node dist/bench/preset-sweep.js --data data/mnist-16 [--only main,s80] [--parallel 2] [--out runs-sweep]
 *
 * The machine has 2 cores, so at most 2 runs go at a time (--parallel); a run's s/step depends on
 * the load, so compare s/step only between runs that went side by side (the table says which
 * went together) and scale a candidate's seconds by its s/step ratio to `main`'s. The presets are
 * the candidates of the sweep in README's "The main job" section; `main` is DEMO_PRESET.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_PRESET } from '../src/cli/demo-preset.js';
import { packageRoot } from '../src/core/package-root.js';
import { readEvalCsv } from '../src/eval/eval-log.js';

interface Preset {
  readonly name: string;
  readonly widthMult: number;
  readonly noiseDim: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly lr: number;
  readonly lrSchedule?: string;
  /** Further dcgan-train flags (e.g. a schedule). */
  readonly extra?: readonly string[];
}

const base = { widthMult: 1 / 8, noiseDim: 32, batchSize: 32, lr: 3e-3 } as const;

/** The candidates measured for issue 14 item 4 (1,920 steps of 32 images unless named otherwise). */
const PRESETS: readonly Preset[] = [
  { name: 'main', ...DEMO_PRESET },
  { name: 'before', ...base, epochs: 12, stepsPerEpoch: 160 },
  { name: 'w4', ...base, widthMult: 1 / 4, epochs: 12, stepsPerEpoch: 160 },
  // the same 1,920 steps cut into more epochs, so that the milestones 10, 20, 25 come earlier: lr/10 then lr/100
  { name: 's80', ...base, epochs: 24, stepsPerEpoch: 80 },
  { name: 'lr5', ...base, lr: 5e-3, epochs: 12, stepsPerEpoch: 160 },
  // cosine from 6e-3 (the mean lr of the run is 3e-3) down to ~0
  { name: 'cos6', ...base, lr: 6e-3, epochs: 24, stepsPerEpoch: 80, lrSchedule: 'cosine' },
  { name: 'cos10', ...base, lr: 1e-2, epochs: 24, stepsPerEpoch: 80, lrSchedule: 'cosine' },
  // twice the steps (3,840): what the score does with more training time
  { name: 'cos6x2', ...base, lr: 6e-3, epochs: 48, stepsPerEpoch: 80, lrSchedule: 'cosine' },
  // 4,800 steps: what fits in 5 minutes at the ~0.06 s/step measured on an idle machine
  { name: 'cos6x2.5', ...base, lr: 6e-3, epochs: 60, stepsPerEpoch: 80, lrSchedule: 'cosine' },
  { name: 'w4cos6', ...base, widthMult: 1 / 4, lr: 6e-3, epochs: 24, stepsPerEpoch: 80, lrSchedule: 'cosine' },
];

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    out: { type: 'string', default: 'runs-sweep' },
    only: { type: 'string' },
    parallel: { type: 'string', default: '2' },
  },
});
if (values.data === undefined) throw new Error('preset-sweep: Expected a shard-set folder for --data but received undefined of type undefined');
const data = resolve(values.data);
const out = resolve(values.out!);
const parallel = Number(values.parallel);
if (!Number.isSafeInteger(parallel) || parallel < 1) throw new Error(`preset-sweep: Expected a positive integer for --parallel but received ${values.parallel} of type string`);
const names = values.only?.split(',');
const unknown = names?.filter((n) => !PRESETS.some((p) => p.name === n)) ?? [];
if (unknown.length > 0) throw new Error(`preset-sweep: Expected preset names among ${PRESETS.map((p) => p.name).join(', ')} for --only but received ${unknown.join(',')} of type string`);
const chosen = names ? PRESETS.filter((p) => names.includes(p.name)) : PRESETS;

interface Result {
  readonly preset: Preset;
  readonly batch: number;
  readonly recognised: number;
  readonly digits: number;
  readonly fid: number;
  readonly seconds: number;
  readonly load: number;
}

/** dcgan-train with `preset`, scoring the last epoch; resolves with the score and the summed epoch times. */
async function train(preset: Preset, batch: number): Promise<Result> {
  const dir = join(out, preset.name);
  await mkdir(dir, { recursive: true });
  const args = [
    join(packageRoot(), 'bin', 'dcgan-train.js'),
    '--data', data, '--dataset', 'mnist', '--partition', 'train', '--size', '16', '--seed', String(DEMO_PRESET.seed), '--backend', 'wasm',
    '--width-mult', String(preset.widthMult), '--noise-dim', String(preset.noiseDim), '--batch-size', String(preset.batchSize),
    '--epochs', String(preset.epochs), '--steps-per-epoch', String(preset.stepsPerEpoch), '--lr', String(preset.lr), '--lr-schedule', preset.lrSchedule ?? 'step',
    '--save-every', String(preset.epochs), '--eval-every', String(preset.epochs), '--eval-data', data, '--out', dir,
    ...(preset.extra ?? []),
  ];
  const log = createWriteStream(join(dir, 'train.log'));
  let text = '';
  const load0 = loadavg()[0]!;
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      log.write(chunk);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`preset-sweep: dcgan-train of ${preset.name} exited with ${code} (log: ${join(dir, 'train.log')})`))));
  });
  log.end();
  const seconds = [...text.matchAll(/^epoch \d+\/\d+: .*\(([\d.]+) s\)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
  const last = (await readEvalCsv(join(dir, 'MNIST-False', 'logs', 'MNIST-False-eval.csv'))).at(-1);
  if (!last) throw new Error(`preset-sweep: ${preset.name} wrote no score (log: ${join(dir, 'train.log')})`);
  return { preset, batch, recognised: last.recognised, digits: last.digits_present, fid: last.classifier_fid, seconds, load: (load0 + loadavg()[0]!) / 2 };
}

const describe = (p: Preset): string =>
  `w ${p.widthMult === 1 / 8 ? '1/8' : p.widthMult === 1 / 4 ? '1/4' : p.widthMult}, z ${p.noiseDim}, b ${p.batchSize}, ${p.epochs}×${p.stepsPerEpoch}, lr ${p.lr} ${p.lrSchedule ?? 'step'}${p.extra ? ` ${p.extra.join(' ')}` : ''}`;

const results: Result[] = [];
for (let i = 0; i < chosen.length; i += parallel) {
  const group = chosen.slice(i, i + parallel);
  process.stdout.write(`training ${group.map((p) => p.name).join(' and ')} side by side…\n`);
  results.push(...(await Promise.all(group.map((p) => train(p, i / parallel + 1)))));
}
process.stdout.write('\n| preset | together | recognised | digits | FID | s/step | training s | load |\n|---|---:|---:|---:|---:|---:|---:|---:|\n');
for (const r of results) {
  const steps = r.preset.epochs * r.preset.stepsPerEpoch;
  process.stdout.write(
    `| ${r.preset.name} (${describe(r.preset)}) | ${r.batch} | ${(r.recognised * 100).toFixed(1)} % | ${r.digits} | ${r.fid.toFixed(1)} | ${(r.seconds / steps).toFixed(3)} | ${r.seconds.toFixed(0)} | ${r.load.toFixed(1)} |\n`,
  );
}
process.stdout.write(`\nthe ceiling: dcgan-eval --real --data ${data} (real test digits, one half against the other)\n`);
