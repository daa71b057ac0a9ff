/**
 * Small-image decode: 64×64×3 JPEG (as celeba-convert writes them: quality 95, 4:2:0) and PNG
 * to raw RGB, sharp against the small-image path (libjpeg-turbo / lodepng in WASM), in one run.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/decode.js [--images 2000] [--runs 5] [--batch 256]
 *
 * Rows (images/s, the median of `--runs` runs; CPU µs per image from process.cpuUsage, which
 * counts every thread of this process):
 * - sharp, one image per call, one at a time, and 8 at once (its libuv threads use every core);
 * - the small-image decoder on this thread (fastDecode), one thread;
 * - the decode pool (one worker per core), batches of `--batch` as transferred buffers;
 * - the client's batch assembly (Examples parsed, images decoded on the pool, stacked NHWC);
 * - libjpeg-turbo native (Python PIL) on one thread, when /usr/bin/python3 has PIL (python3-pil),
 *   else the row is skipped: the pool's per-core rate is given as a share of it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { assembleBatch } from '../src/client/assemble.js';
import { DecodePool } from '../src/images/decode-pool.js';
import { fastDecode, type FastEncoding } from '../src/images/fast-decode.js';
import type { ManifestImage } from '../src/shards/manifest.js';
import { sharpDecode } from '../src/shards/record-image.js';
import { bytesFeature, encodeExample } from '../src/tfrecord/example/index.js';
import { noisyPixels } from '../test/helpers/shard-set.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '5' },
    batch: { type: 'string', default: '256' },
  },
});
const N = Number(values.images);
const RUNS = Number(values.runs);
const BATCH = Number(values.batch);

/** The pixels of image `id` (as bench/server.ts writes them). */
const benchPixels = (id: number): Buffer => Buffer.from(noisyPixels(id, 64, 64, 3));

interface Row {
  readonly what: string;
  readonly rate: number;
  readonly cpuUs: number;
}

/** Median rate and CPU of `runs` runs of `job`, which decodes `images` images. */
async function measure(what: string, images: number, job: () => Promise<void> | void): Promise<Row> {
  const runs: { rate: number; cpuUs: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await job();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    runs.push({ rate: images / seconds, cpuUs: (cpu.user + cpu.system) / images });
  }
  runs.sort((a, b) => a.rate - b.rate);
  const mid = runs[runs.length >> 1]!;
  const row = { what, ...mid };
  console.log(`  ${what}: ${row.rate.toFixed(0)} images/s, ${row.cpuUs.toFixed(0)} µs CPU per image`);
  return row;
}

async function sharpAtOnce(images: readonly Buffer[], atOnce: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: atOnce }, async () => {
    while (next < images.length) await sharpDecode(images[next++]!, 3);
  }));
}

/** PIL's decode of the same files on one thread (seconds for all), or undefined without PIL. */
function pilSeconds(images: readonly Buffer[]): number | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'bench-decode-'));
  try {
    const lengths = images.map((b) => b.length);
    writeFileSync(join(dir, 'images.bin'), Buffer.concat(images));
    writeFileSync(join(dir, 'lengths.json'), JSON.stringify(lengths));
    const script = `
import io, json, sys, time
from PIL import Image
d = sys.argv[1]
data = open(d + '/images.bin', 'rb').read()
lengths = json.load(open(d + '/lengths.json'))
best = []
for run in range(${RUNS}):
    t = time.perf_counter(); p = 0
    for n in lengths:
        Image.open(io.BytesIO(data[p:p + n])).convert('RGB').tobytes(); p += n
    best.append(time.perf_counter() - t)
best.sort(); print(best[len(best) // 2])
`;
    return Number(execFileSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cores = availableParallelism();
const jpegs = await Promise.all(Array.from({ length: N }, (_, i) => sharp(benchPixels(i), { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 95 }).toBuffer()));
const pngs = await Promise.all(Array.from({ length: N }, (_, i) => sharp(benchPixels(i), { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer()));
const avg = (a: readonly Buffer[]): string => (a.reduce((n, b) => n + b.length, 0) / a.length / 1000).toFixed(1);
console.log(`${N} images of 64×64×3: JPEG ${avg(jpegs)} KB, PNG ${avg(pngs)} KB each; ${cores} cores; load ${loadavg()[0]!.toFixed(1)}; median of ${RUNS} runs; sharp ${sharp.versions.sharp} (${sharp.versions.mozjpeg ? 'mozjpeg' : 'libjpeg-turbo'})`);

const pool = new DecodePool();
await pool.decode(jpegs.slice(0, cores * 16), 'jpeg', 3); // start the workers
const table: { encoding: string; rows: Row[] }[] = [];
for (const [encoding, images] of [['jpeg', jpegs], ['png', pngs]] as [FastEncoding, Buffer[]][]) {
  console.log(encoding);
  const rows: Row[] = [];
  rows.push(await measure('sharp, 1 image per call, 1 at a time', N, () => sharpAtOnce(images, 1)));
  rows.push(await measure('sharp, 1 image per call, 8 at once (all cores)', N, () => sharpAtOnce(images, 8)));
  rows.push(await measure('small-image decoder, this thread (1 core)', N, () => {
    for (const b of images) if (!fastDecode(b, encoding, 3)) throw new Error('not on the fast path');
  }));
  rows.push(await measure(`decode pool, ${cores} threads, batches of ${BATCH} (all cores)`, N, async () => {
    const parts: Promise<unknown>[] = [];
    for (let i = 0; i < images.length; i += BATCH) parts.push(pool.decode(images.slice(i, i + BATCH), encoding, 3).then((b) => b.release()));
    await Promise.all(parts);
  }));
  const image = { feature: 'image/encoded', encoding, channels: 3, height: 64, width: 64 } as ManifestImage;
  const records = images.map((b) => encodeExample({ 'image/encoded': bytesFeature(b) }));
  rows.push(await measure(`client batches (records → NHWC, format=records and direct modes), batches of ${BATCH}`, N, async () => {
    const parts: Promise<unknown>[] = [];
    for (let i = 0; i < records.length; i += BATCH) {
      const batch = records.slice(i, i + BATCH);
      parts.push(assembleBatch(batch, new Uint32Array(batch.length), image, 0, i / BATCH, (j) => `record ${i + j}`));
    }
    await Promise.all(parts);
  }));
  if (encoding === 'jpeg') {
    const s = pilSeconds(images);
    if (s === undefined) console.log('  libjpeg-turbo native (PIL): skipped (no python3-pil)');
    else rows.push({ what: 'libjpeg-turbo native, Python PIL, 1 thread', rate: N / s, cpuUs: (s * 1e6) / N });
  }
  table.push({ encoding, rows });
}
await pool.close();

console.log('\n| 64×64 → raw RGB | images/s | CPU µs/image | × sharp (1 at a time) |');
console.log('|---|---:|---:|---:|');
for (const { encoding, rows } of table) {
  const base = rows[0]!.rate;
  for (const r of rows) console.log(`| ${encoding.toUpperCase()}: ${r.what} | ${r.rate.toFixed(0)} | ${r.cpuUs.toFixed(0)} | ${(r.rate / base).toFixed(1)} |`);
}
const jpegRows = table[0]!.rows;
const pil = jpegRows.find((r) => r.what.includes('PIL'));
const one = jpegRows[2]!;
if (pil) console.log(`\nsmall-image JPEG decoder, one thread: ${((one.rate / pil.rate) * 100).toFixed(0)} % of native libjpeg-turbo (PIL) in this run`);
