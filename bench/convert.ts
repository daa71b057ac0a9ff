/**
 * `celeba-convert --bbox --size 64` throughput against its ceiling: a bare loop that does the
 * same per-image work (read → sharp decode + crop → tf.image.resize to 64×64 → sharp JPEG q95)
 * over the same files at the best concurrency, with no annotations, Examples, TFRecord framing,
 * hashing or ordering; and, for comparison, the same loop with sharp's own resize (linear,
 * which antialiases unlike the reference), and the same loop decoding every row of each file as
 * the converter does to reject damaged files (`whole file`). The ratio is taken against the faster of all. The converter's rate is that of its conversion phase (its progress
 * display's final line); the whole-process rate, with startup, annotation loading, shard
 * planning and the manifest, is shown beside it. Both run as child processes on a synthetic CelebA-like folder (generated
 * once into .bench/, in-the-wild-sized JPEGs); CPU use and peak RSS come from the children.
 *
 *   node dist/bench/convert.js [--images 3000] [--workers 2,3,4] [--concurrency 1,2,3,4] [--runs 1]
 *
 * With several runs, every configuration is measured once per round (so load from other jobs
 * falls on all of them alike) and the median of each is shown.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { orderedMap } from '../src/core/ordered-map.js';
import { packageRoot } from '../src/core/package-root.js';
import { resizeBilinear } from '../src/datasets/resize.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '3000' },
    workers: { type: 'string', default: '' },
    concurrency: { type: 'string', default: '1,2,3,4' },
    runs: { type: 'string', default: '1' },
    'ceiling-child': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const HELP = `node dist/bench/convert.js [options]
  --images <n>          synthetic images (generated once into .bench/)  default 3000
  --workers <list>      celeba-convert --workers values                 default cores, cores+1, 2×cores
  --concurrency <list>  concurrency values of the bare loop             default 1,2,3,4
  --runs <n>            rounds; the median of each configuration        default 1
`;

const root = packageRoot();
const count = Number(values.images);
const dataset = join(root, '.bench', `celeba-synth-${count}`);
const cores = availableParallelism();

/** A deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const name = (i: number): string => `${String(i + 1).padStart(6, '0')}.jpg`;

/** CelebA-like in-the-wild JPEGs (320–640 × 360–720, ~q90, smooth content with detail) and the annotation files. */
async function generate(): Promise<void> {
  if (existsSync(join(dataset, 'READY'))) return;
  await rm(dataset, { recursive: true, force: true });
  await mkdir(join(dataset, 'Img', 'img_celeba'), { recursive: true });
  await mkdir(join(dataset, 'Anno'), { recursive: true });
  await mkdir(join(dataset, 'Eval'), { recursive: true });
  const random = rng(42);
  const boxes: string[] = [];
  const specs = Array.from({ length: count }, (_, i) => {
    const width = 320 + Math.floor(random() * 321);
    const height = 360 + Math.floor(random() * 361);
    const w = Math.floor(width * (0.3 + random() * 0.3));
    const h = Math.floor(w * 1.3);
    const x = Math.floor(random() * (width - w));
    const y = Math.floor(random() * Math.max(1, height - h));
    boxes.push(`${name(i)} ${x} ${y} ${w} ${h}`);
    return { i, width, height, seed: Math.floor(random() * 1e9), box: [x, y, w, h] as const };
  });
  process.stderr.write(`generating ${count} images in ${dataset} ...\n`);
  let done = 0;
  for await (const _ of orderedMap(
    specs,
    async (s) => {
      const r = rng(s.seed);
      const px = Buffer.alloc(s.width * s.height * 3);
      const [c0, c1, c2] = [r() * 255, r() * 255, r() * 255];
      for (let y = 0; y < s.height; y++) {
        for (let x = 0; x < s.width; x++) {
          const o = (y * s.width + x) * 3;
          const face = x >= s.box[0] && x < s.box[0] + s.box[2] && y >= s.box[1] && y < s.box[1] + s.box[3];
          const n = (r() - 0.5) * 24;
          px[o] = Math.max(0, Math.min(255, (face ? 200 : c0) + 40 * Math.sin(x / 17 + y / 29) + n));
          px[o + 1] = Math.max(0, Math.min(255, (face ? 160 : c1) + 40 * Math.cos(y / 13) + n));
          px[o + 2] = Math.max(0, Math.min(255, (face ? 140 : c2) + 30 * Math.sin((x + y) / 23) + n));
        }
      }
      await sharp(px, { raw: { width: s.width, height: s.height, channels: 3 } })
        .jpeg({ quality: 90 })
        .toFile(join(dataset, 'Img', 'img_celeba', name(s.i)));
      if (++done % 500 === 0) process.stderr.write(`  ${done}/${count}\n`);
    },
    { concurrency: cores },
  ));
  const partition = specs.map((s) => `${name(s.i)} ${s.i % 10 < 8 ? 0 : s.i % 10 === 8 ? 1 : 2}`);
  await writeFile(join(dataset, 'Eval', 'list_eval_partition.txt'), `${partition.join('\n')}\n`);
  await writeFile(join(dataset, 'Anno', 'list_bbox_celeba.txt'), `${count}\nimage_id x_1 y_1 width height\n${boxes.join('\n')}\n`);
  const landmarks = specs.map((s) => `${name(s.i)} ${Array.from({ length: 10 }, (_, k) => 10 + k).join(' ')}`);
  await writeFile(join(dataset, 'Anno', 'list_landmarks_celeba.txt'), `${count}\n${'a '.repeat(10)}\n${landmarks.join('\n')}\n`);
  await writeFile(join(dataset, 'Anno', 'list_landmarks_align_celeba.txt'), `${count}\n${'a '.repeat(10)}\n${landmarks.join('\n')}\n`);
  const attrs = specs.map((s) => `${name(s.i)} ${Array.from({ length: 40 }, (_, k) => ((s.i + k) % 2 ? ' 1' : '-1')).join(' ')}`);
  await writeFile(join(dataset, 'Anno', 'list_attr_celeba.txt'), `${count}\n${'a '.repeat(40)}\n${attrs.join('\n')}\n`);
  await writeFile(join(dataset, 'Anno', 'identity_CelebA.txt'), `${specs.map((s) => `${name(s.i)} ${s.i % 100}`).join('\n')}\n`);
  await writeFile(join(dataset, 'READY'), `${count}\n`);
}

/** The ceiling, run inside a child: the same sharp work per image, nothing else. */
async function ceilingChild(concurrency: number, variant: string): Promise<void> {
  sharp.concurrency(1);
  sharp.cache(false);
  const boxes = (await readFile(join(dataset, 'Anno', 'list_bbox_celeba.txt'), 'latin1'))
    .split('\n')
    .slice(2)
    .filter((l) => l !== '')
    .map((l) => l.split(/\s+/).slice(1).map(Number) as [number, number, number, number]);
  const start = performance.now();
  let bytes = 0;
  for await (const out of orderedMap(
    boxes.map((b, i) => ({ b, i })),
    async ({ b, i }) => {
      const img = sharp(await readFile(join(dataset, 'Img', 'img_celeba', name(i))), { failOn: 'error' });
      const meta = await img.metadata();
      const left = Math.max(0, b[0]);
      const top = Math.max(0, b[1]);
      const width = Math.min(meta.width!, b[0] + b[2]) - left;
      const height = Math.min(meta.height!, b[1] + b[3]) - top;
      // 'whole': the converter's check, a strip of the box down to the last row (the whole file decoded).
      const p = (variant === 'whole' ? img.extract({ left, top: 0, width, height: meta.height! }) : img.extract({ left, top, width, height })).removeAlpha().toColourspace('srgb');
      if (variant === 'resize') return p.resize(64, 64, { fit: 'fill', kernel: 'linear' }).jpeg({ quality: 95 }).toBuffer();
      // The converter's own ops: crop to raw pixels, tf.image.resize in JS, encode.
      const { data, info } = await p.raw().toBuffer({ resolveWithObject: true });
      const rows = variant === 'whole' ? data.subarray(top * info.width * info.channels, (top + height) * info.width * info.channels) : data;
      const small = resizeBilinear({ pixels: rows, width: info.width, height, channels: info.channels }, 64, 64);
      return sharp(small.pixels, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    },
    { concurrency },
  )) {
    bytes += out.length;
  }
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(`${JSON.stringify({ images: boxes.length, seconds, bytes })}\n`);
}

interface Measured {
  readonly label: string;
  readonly concurrency?: number;
  /** Images per second while converting (what the ratio uses). */
  readonly rate: number;
  /** Images per second over the whole process, startup and annotation loading included. */
  readonly wallRate?: number;
  readonly cpu: number;
  readonly rssMb: number;
}

// Reports the child's CPU time and peak RSS when it exits.
const USAGE_HOOK = `data:text/javascript,process.on("exit",()=>{const r=process.resourceUsage();process.stderr.write("USAGE "+JSON.stringify({maxRSS:r.maxRSS,cpu:(r.userCPUTime+r.systemCPUTime)/1e6})+"\\n")})`;

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--import', USAGE_HOOK, ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${args.join(' ')} exited with ${code}\n${stderr}`));
      else resolve({ stdout, stderr, seconds: (performance.now() - start) / 1000 });
    });
  });
}

function usage(stderr: string): { maxRSS: number; cpu: number } {
  const line = stderr.split('\n').find((l) => l.startsWith('USAGE '));
  return JSON.parse(line!.slice(6)) as { maxRSS: number; cpu: number };
}

async function measureCeiling(concurrency: number, variant: string): Promise<Measured> {
  const r = await run([join(root, 'dist', 'bench', 'convert.js'), '--images', String(count), '--ceiling-child', `${concurrency}:${variant}`]);
  const result = JSON.parse(r.stdout) as { images: number; seconds: number };
  const u = usage(r.stderr);
  const what = { resize: 'sharp resize, linear', whole: 'same ops, whole file decoded' }[variant] ?? 'same ops';
  return { label: `bare loop (${what}), concurrency ${concurrency}`, concurrency, rate: result.images / result.seconds, cpu: u.cpu / result.seconds / cores, rssMb: u.maxRSS / 1024 };
}

async function measureConverter(workers: number): Promise<Measured> {
  const out = join(root, '.bench', 'convert-out');
  await rm(out, { recursive: true, force: true });
  const r = await run([join(root, 'bin', 'celeba-convert.js'), '--root', dataset, '--out', out, '--bbox', '--size', '64', '--workers', String(workers)]);
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { partitions: { records: number }[] };
  const records = manifest.partitions.reduce((n, p) => n + p.records, 0);
  const u = usage(r.stderr);
  // The progress display's last line gives the rate of the conversion itself (stderr is no terminal here).
  const progress = [...r.stderr.matchAll(/^celeba: \d+\/\d+ \(100%\), ([\d.]+) img\/s/gm)].at(-1);
  if (!progress) throw new Error(`no final progress line in:\n${r.stderr}`);
  return {
    label: `celeba-convert --bbox --size 64 --workers ${workers}`,
    rate: Number(progress[1]),
    wallRate: records / r.seconds,
    cpu: u.cpu / r.seconds / cores,
    rssMb: u.maxRSS / 1024,
  };
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values['ceiling-child'] !== undefined) {
    const [c, variant] = values['ceiling-child'].split(':');
    await ceilingChild(Number(c), variant ?? 'same');
    return;
  }
  await generate();
  const runs = Number(values.runs);
  const concurrencies = values.concurrency.split(',').map(Number);
  const workerCounts = values.workers ? values.workers.split(',').map(Number) : [cores, cores + 1, cores * 2];
  // Warm the page cache so the first measurement does not pay for the disk.
  await measureCeiling(cores, 'same');
  const configs: (() => Promise<Measured>)[] = [
    ...concurrencies.map((c) => () => measureCeiling(c, 'same')),
    ...['whole', 'resize'].map((v) => () => measureCeiling(Math.max(...concurrencies.filter((c) => c <= cores + 1)), v)),
    ...workerCounts.map((w) => () => measureConverter(w)),
  ];
  const samples: Measured[][] = configs.map(() => []);
  for (let r = 0; r < runs; r++) for (const [k, measure] of configs.entries()) samples[k]!.push(await measure());
  const rows = samples.map(median);
  const ceiling = rows.reduce((a, b) => (b.rate > a.rate && b.wallRate === undefined ? b : a));
  const lines = [
    `${count} synthetic in-the-wild JPEGs (320–640 × 360–720), ${cores} cores, median of ${runs} (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end)`,
    '',
    '| run | images/s | of ceiling | whole process, images/s | CPU busy (of all cores) | peak RSS | all runs, images/s |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (m, k) =>
        `| ${m.label} | ${m.rate.toFixed(0)} | ${((m.rate / ceiling.rate) * 100).toFixed(1)} % | ${m.wallRate === undefined ? '' : m.wallRate.toFixed(0)} | ${(m.cpu * 100).toFixed(0)} % | ${m.rssMb.toFixed(0)} MB | ${samples[k]!.map((s) => s.rate.toFixed(0)).join(', ')} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The run with the median rate (the lower middle one for an even count). */
function median(ms: readonly Measured[]): Measured {
  return [...ms].sort((a, b) => a.rate - b.rate)[Math.floor((ms.length - 1) / 2)]!;
}

await main();
