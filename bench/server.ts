/**
 * shard-server throughput against nginx, measured in one run on the same shard files:
 * a shard set of 64×64×3 images stored as JPEG and as raw uint8 (50,000 records each by default).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/server.js [--records 50000] [--runs 3] [--jpeg-images 0]
 *
 * Run time: ~50 s per run on the 2-core development machine (1 min 38 s for --runs 2), after the
 * data sets are written once (~1 min).
 *
 * - nginx (the Debian package, started here on 127.0.0.1 with sendfile) serves the shard files;
 *   1 client fetches all of them one after the other, 4 clients split them: bytes/s.
 * - shard-server (the built bin, a child process) streams `format=records` (1 stream = the epoch,
 *   4 streams = ranks 0..3 of world 4): bytes/s, as the first epoch after start (records come
 *   from the page cache into the record cache, each CRC-checked when first sent), the same after a
 *   `--preload` (the data set read into the cache before the stream), and as a later epoch.
 * - `format=tensor`: images/s on raw shards, as a first pass (pixels and their CRCs go into the
 *   image cache) and as later epochs (from the image cache); then, on a server without image
 *   cache, raw shards and JPEG shards with every image decoded for every batch (the small-image
 *   decode pool; `bench:decode` compares it with sharp): a whole epoch with 1, 2 and 4 clients
 *   (ranks of one epoch), the steady state of a cold epoch (a short cut of it measures mostly the
 *   stream's fixed costs); `--jpeg-images N` cuts those rows to the epoch's last N images.
 *
 * Every row is measured once per run, nginx and shard-server close together in time, for
 * `--runs` runs, and the best run of each row is kept (the machine may be shared); next to it,
 * the CPU the serving process (nginx's worker, or shard-server) used, per GB and, for tensor
 * rows, per image, which load on other cores changes less. The client is this process (undici, bodies
 * counted, not parsed); the data sets are written once into .bench/server-data/ and reused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { readManifestFile, type Manifest } from '../src/shards/manifest.js';
import { findNginx, startNginx, type Nginx } from '../test/helpers/nginx.js';
import { startServerProcess, type ServerProcess } from '../test/helpers/server-process.js';
import { noisyPixels, writeShardSet } from '../test/helpers/shard-set.js';
import { cpuSeconds } from './proc-cpu.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '50000' },
    runs: { type: 'string', default: '3' },
    'jpeg-images': { type: 'string', default: '0' },
    'batch-size': { type: 'string', default: '256' },
    data: { type: 'string', default: join('.bench', 'server-data') },
  },
});
const RECORDS = Number(values.records);
const RUNS = Number(values.runs);
const JPEG_IMAGES = Number(values['jpeg-images']);
const BATCH = Number(values['batch-size']);
const ROOT = values.data!;
const MB = 1e6;

async function ensureSet(encoding: 'jpeg' | 'raw'): Promise<{ name: string; manifest: Manifest; bytes: number }> {
  const name = `bench-${encoding}-${RECORDS}`;
  const dir = join(ROOT, name);
  if (!existsSync(join(dir, 'manifest.json'))) {
    await mkdir(dir, { recursive: true });
    const t = performance.now();
    process.stdout.write(`writing ${dir} (${RECORDS} ${encoding} records) ... `);
    await writeShardSet({ dir, dataset: name, encoding, height: 64, width: 64, channels: 3, quality: 90, pixels: noisyPixels, partitions: [{ name: 'train', records: RECORDS, shards: 16 }] });
    process.stdout.write(`${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const manifest = await readManifestFile(dir);
  return { name, manifest, bytes: manifest.partitions.reduce((n, p) => n + p.shards.reduce((s, x) => s + x.bytes, 0), 0) };
}

/** GET `url`, count the body's bytes. */
async function drain(url: string): Promise<number> {
  const res = await request(url);
  if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}: ${await res.body.text()}`);
  let n = 0;
  for await (const chunk of res.body) n += (chunk as Buffer).length;
  return n;
}

/** The worker processes of an nginx master. */
function nginxWorkers(nginx: Nginx): number[] {
  try {
    return readFileSync(`/proc/${nginx.pid}/task/${nginx.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  } catch {
    return [nginx.pid];
  }
}

interface Result {
  readonly bytes: number;
  readonly seconds: number;
  readonly cpu: number;
}

/** Run `clients` in parallel once; bytes, seconds and the CPU seconds of processes `pids`. */
async function measure(pids: readonly number[], clients: (() => Promise<number>)[]): Promise<Result> {
  const c0 = cpuSeconds(pids);
  const t = performance.now();
  const bytes = (await Promise.all(clients.map((c) => c()))).reduce((a, b) => a + b, 0);
  return { bytes, seconds: (performance.now() - t) / 1000, cpu: cpuSeconds(pids) - c0 };
}

/** The best run of each row, in the order rows first appear. */
const rows = new Map<string, { what: string; clients: number; r: Result; images?: number; baseline?: string }>();
function record(what: string, clients: number, r: Result, extra: { images?: number; baseline?: string } = {}): void {
  const key = `${what}|${clients}`;
  const old = rows.get(key);
  const perImage = extra.images === undefined ? '' : `, ${(extra.images / r.seconds).toFixed(0)} images/s, ${((r.cpu * 1e6) / extra.images).toFixed(0)} µs server CPU per image`;
  console.log(`  ${what}, ${clients}: ${(r.bytes / r.seconds / MB).toFixed(0)} MB/s${perImage}`);
  if (!old || r.bytes / r.seconds > old.r.bytes / old.r.seconds) rows.set(key, { what, clients, r, ...extra });
}

const streamUrl =
  (base: string) =>
  (q: Record<string, string | number>): string =>
    `${base}/v1/stream?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]))}`;

async function rssOf(base: string): Promise<number> {
  const metrics = await (await fetch(`${base}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\S+)$/m.exec(metrics)?.[1]);
}

const jpeg = await ensureSet('jpeg');
const raw = await ensureSet('raw');
const sets = { jpeg, raw };
const load0 = loadavg()[0]!;
console.log(`data: ${RECORDS} records of 64×64×3; JPEG shards ${(jpeg.bytes / MB).toFixed(0)} MB, raw shards ${(raw.bytes / MB).toFixed(0)} MB; ${cpus().length} cores; best of ${RUNS} runs`);

const serverArgs = (imageCacheMb: number, verify = true): string[] => [
  '--data',
  ROOT,
  '--cache-mb',
  '2048',
  '--image-cache-mb',
  String(imageCacheMb),
  '--no-access-log',
  ...(verify ? [] : ['--no-verify-records']),
];
const nginx = findNginx() ? await startNginx({ root: ROOT, workers: 1 }) : undefined;
if (!nginx) console.log('nginx is not installed (apt-get install -y nginx-light): no ratios');
let server: ServerProcess | undefined;
let rssA = 0;
/** Seconds the last --preload of each data set took (from the server's log). */
const preloadSeconds: Record<string, number> = {};
let rssB = 0;
/** A freshly started shard-server (the previous one stopped). */
async function fresh(args: string[]): Promise<ServerProcess> {
  await server?.stop('SIGTERM');
  server = await startServerProcess(args);
  return server;
}

/** A tensor stream measurement: the whole epoch, or its last `images` images (start_batch) when given and not 0. */
async function tensor(s: ServerProcess, what: string, ds: string, clients: number, epoch: number, images?: number): Promise<void> {
  const perRank = Math.floor(Math.floor(RECORDS / BATCH) / clients);
  const take = !images ? perRank : Math.min(perRank, Math.max(1, Math.floor(images / BATCH / clients)));
  const stream = streamUrl(s.url);
  const r = await measure(
    [s.pid],
    Array.from({ length: clients }, (_, rank) => () => drain(stream({ dataset: ds, batch_size: BATCH, epoch, world: clients, rank, format: 'tensor', start_batch: perRank - take }))),
  );
  record(`shard-server tensor, ${what}`, clients, r, { images: take * BATCH * clients });
}

try {
  // Each run measures every row once, nginx and shard-server close together in time; the best
  // run of each row is kept.
  for (let run = 0; run < RUNS; run++) {
    console.log(`run ${run + 1} of ${RUNS} (load ${loadavg()[0]!.toFixed(1)})`);
    const epoch = 1000 * run;
    // ---- nginx: the shard files, sequentially ----
    for (const kind of ['raw', 'jpeg'] as const) {
      if (!nginx) break;
      const files = sets[kind].manifest.partitions.flatMap((p) => p.shards.map((x) => `${nginx.url}/${sets[kind].name}/${x.name}`));
      for (const clients of [1, 4]) {
        const r = await measure(
          nginxWorkers(nginx),
          Array.from({ length: clients }, (_, c) => async () => {
            let n = 0;
            for (let i = c; i < files.length; i += clients) n += await drain(files[i]!);
            return n;
          }),
        );
        record(`nginx, ${kind} shard files`, clients, r);
      }
    }
    // ---- shard-server, records: the first epoch after a fresh start, then later epochs ----
    for (const kind of ['raw', 'jpeg'] as const) {
      const ds = sets[kind].name;
      for (const verify of [false, true]) {
        const s = await fresh(serverArgs(2048, verify));
        const r = await measure([s.pid], [() => drain(streamUrl(s.url)({ dataset: ds, batch_size: BATCH, epoch }))]);
        record(`shard-server records, ${kind}, 1st epoch after start${verify ? '' : ', --no-verify-records'}`, 1, r, { baseline: `nginx, ${kind} shard files|1` });
      }
      {
        // The same first epoch on a server started with --preload, once its log says every data set of the folder is done.
        const s = await fresh([...serverArgs(2048), '--preload']);
        const line = new RegExp(`dataset ${ds} preloaded: .* in ([\\d.]+) s`);
        const datasets = (s.stdout().match(/^dataset /gm) ?? []).length;
        for (let i = 0; i < 1200 && (s.stderr().match(/ preloaded: | not preloaded: /g) ?? []).length < datasets; i++) await new Promise((r) => setTimeout(r, 50));
        preloadSeconds[kind] = Number(line.exec(s.stderr())?.[1]);
        const r = await measure([s.pid], [() => drain(streamUrl(s.url)({ dataset: ds, batch_size: BATCH, epoch }))]);
        record(`shard-server records, ${kind}, 1st epoch after start with --preload (preload done)`, 1, r, { baseline: `nginx, ${kind} shard files|1` });
      }
      const s = server!;
      for (const clients of [1, 4]) {
        const e = epoch + clients;
        const r = await measure([s.pid], Array.from({ length: clients }, (_, rank) => () => drain(streamUrl(s.url)({ dataset: ds, batch_size: BATCH, epoch: e, world: clients, rank }))));
        record(`shard-server records, ${kind}, later epoch`, clients, r, { baseline: `nginx, ${kind} shard files|${clients}` });
      }
    }
    // ---- shard-server, tensor, image cache on (the records are in the record cache) ----
    {
      const s = await fresh(serverArgs(2048));
      await drain(streamUrl(s.url)({ dataset: raw.name, batch_size: BATCH }));
      await tensor(s, 'raw shards, 1st pass (into the image cache)', raw.name, 1, epoch + 10);
      await tensor(s, 'raw shards, later epoch (image cache)', raw.name, 1, epoch + 11);
      await tensor(s, 'raw shards, later epoch (image cache)', raw.name, 4, epoch + 12);
      rssA = await rssOf(s.url);
    }
    // ---- image cache off: every image of every batch taken from its record (raw) or decoded (JPEG) ----
    {
      const s = await fresh(serverArgs(0));
      await drain(streamUrl(s.url)({ dataset: raw.name, batch_size: BATCH }));
      await drain(streamUrl(s.url)({ dataset: jpeg.name, batch_size: BATCH }));
      await tensor(s, 'raw shards, no image cache', raw.name, 1, epoch + 20);
      await tensor(s, 'raw shards, no image cache', raw.name, 4, epoch + 21);
      const what = `JPEG shards, no image cache: every image decoded (${JPEG_IMAGES ? `the last ${JPEG_IMAGES} images` : 'whole epoch'})`;
      for (const clients of [1, 2, 4]) await tensor(s, what, jpeg.name, clients, epoch + 21 + clients, JPEG_IMAGES);
      rssB = await rssOf(s.url);
    }
  }
  console.log(`\n--preload took ${preloadSeconds.raw} s for the raw data set, ${preloadSeconds.jpeg} s for the JPEG one (every data set in the folder is preloaded, one after the other, before the stream starts)`);
  console.log(`\nserver RSS: ${(rssA / MB).toFixed(0)} MB with both caches holding the data sets, ${(rssB / MB).toFixed(0)} MB without image cache`);
} finally {
  await server?.stop('SIGTERM');
  await nginx?.close();
}

console.log(`\nload average (1 min) at start ${load0.toFixed(1)}, at end ${loadavg()[0]!.toFixed(1)}`);
console.log('\n| what | streams / clients | bytes/s | images/s | server CPU µs/image | server CPU s/GB | vs nginx |\n|---|---|---|---|---|---|---|');
for (const { what, clients, r, images, baseline } of rows.values()) {
  const rate = r.bytes / r.seconds;
  const base = baseline === undefined ? undefined : rows.get(baseline);
  const cells = [
    what,
    String(clients),
    `${(rate / MB).toFixed(0)} MB/s`,
    images === undefined ? '' : (images / r.seconds).toFixed(0),
    images === undefined || Number.isNaN(r.cpu) ? '' : ((r.cpu * 1e6) / images).toFixed(0),
    Number.isNaN(r.cpu) ? '' : (r.cpu / (r.bytes / 1e9)).toFixed(2),
    base ? `${((100 * rate) / (base.r.bytes / base.r.seconds)).toFixed(0)} %` : '',
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
