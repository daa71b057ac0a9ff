/**
 * TFRecord read and write throughput, this project against the npm package `tfrecord` (0.2.0),
 * measured side by side in one run on the same ~100 MB file of ~3 KB image-like Examples.
 *
 *   node dist/bench/tfrecord.js [--mb 100] [--runs 3]
 *
 * Read = read the file + verify both CRCs of every record + decode the Example (with the chunk
 * worker checking CRCs on the second core, as readRecords does for big files, and on one thread).
 * Write = build the Example from its values + frame + write the file.
 */
import { createRequire } from 'node:module';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bytesFeature, decodeExample, int64Feature } from '../src/tfrecord/example/index.js';
import { readRecords } from '../src/tfrecord/reader.js';
import { TFRecordWriter } from '../src/tfrecord/writer.js';

interface TheirBuilder {
  setInteger(k: string, v: number): void;
  setBinary(k: string, v: Uint8Array): void;
  releaseExample(): unknown;
}
interface TfrecordPackage {
  createBuilder(): TheirBuilder;
  createWriter(path: string): Promise<{ writeExample(e: unknown): Promise<void>; close(): Promise<void> }>;
  createReader(path: string): Promise<{ readExample(): Promise<unknown> }>;
}
const theirs = createRequire(import.meta.url)('tfrecord') as TfrecordPackage;

const { values } = parseArgs({ options: { mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' } } });
const targetBytes = Number(values.mb) * 1024 * 1024;
const runs = Number(values.runs);

// Image-like payloads: 3 KB of noise-ish bytes (JPEG data does not compress), 16 variants reused.
const payloads = Array.from({ length: 16 }, (_, v) => {
  const b = Buffer.alloc(3000);
  let x = v + 1;
  for (let i = 0; i < b.length; i++) b[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
});
const count = Math.ceil(targetBytes / 3100);
const name = (i: number): string => `${String(i).padStart(6, '0')}.jpg`;

async function writeOurs(path: string, shardLike: boolean): Promise<void> {
  const w = await TFRecordWriter.create(path, { sync: shardLike, sha256: shardLike });
  for (let i = 0; i < count; i++) {
    await w.writeExample({
        'image/encoded': bytesFeature(payloads[i % 16]!),
        'image/format': bytesFeature('jpeg'),
        'image/height': int64Feature(64),
        'image/width': int64Feature(64),
        'image/channels': int64Feature(3),
        'image/filename': bytesFeature(name(i)),
        'mnist/label': int64Feature(i % 10),
    });
  }
  await w.close();
}

async function writeTheirs(path: string): Promise<void> {
  const w = await theirs.createWriter(path);
  for (let i = 0; i < count; i++) {
    const b = theirs.createBuilder();
    b.setBinary('image/encoded', payloads[i % 16]!);
    b.setBinary('image/format', Buffer.from('jpeg'));
    b.setInteger('image/height', 64);
    b.setInteger('image/width', 64);
    b.setInteger('image/channels', 3);
    b.setBinary('image/filename', Buffer.from(name(i)));
    b.setInteger('mnist/label', i % 10);
    await w.writeExample(b.releaseExample());
  }
  await w.close();
}

async function readOurs(path: string, offThread: boolean | 'auto' = 'auto'): Promise<number> {
  let n = 0;
  for await (const r of readRecords(path, { offThread })) {
    const ex = decodeExample(r.data);
    if (ex['image/encoded']) n++;
  }
  return n;
}

async function readTheirs(path: string): Promise<number> {
  const r = await theirs.createReader(path);
  let n = 0;
  while ((await r.readExample()) !== null) n++;
  return n;
}

/** Seconds `fn` takes; the file it writes is removed first (untimed) so no run pays for truncating the last one. */
async function time(fn: () => Promise<unknown>, removeFirst?: string): Promise<number> {
  if (removeFirst !== undefined) await rm(removeFirst, { force: true });
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await mkdtemp(join(tmpdir(), 'bench-tfrecord-'));
const oursPath = join(dir, 'ours.tfrecord');
const theirsPath = join(dir, 'theirs.tfrecord');
const t = { writeOurs: [] as number[], writeOursNoSync: [] as number[], writeTheirs: [] as number[], readOurs: [] as number[], readOursOneThread: [] as number[], readTheirs: [] as number[] };
// One untimed round first, so that both libraries run JIT-compiled code in the timed ones.
for (let run = -1; run < runs; run++) {
  const times = {
    writeOursNoSync: await time(() => writeOurs(oursPath, false), oursPath),
    writeOurs: await time(() => writeOurs(oursPath, true), oursPath),
    writeTheirs: await time(() => writeTheirs(theirsPath), theirsPath),
    readOurs: await time(() => readOurs(oursPath)),
    readOursOneThread: await time(() => readOurs(oursPath, false)),
    readTheirs: await time(() => readTheirs(oursPath)),
  };
  if (run >= 0) for (const key of Object.keys(times) as (keyof typeof times)[]) t[key].push(times[key]);
}
const bytes = (await stat(oursPath)).size;
if ((await stat(theirsPath)).size !== bytes) console.warn('note: the two files differ in size (feature order or encoding)');
if ((await readOurs(oursPath)) !== count || (await readTheirs(oursPath)) !== count) throw new Error('record counts differ');
const mbps = (s: number): string => (bytes / s / 1e6).toFixed(1);
const row = (what: string, ours: number, their: number): string => `| ${what} | ${mbps(ours)} MB/s | ${mbps(their)} MB/s | ${(their / ours).toFixed(1)}× |`;
console.log(`${count} records, ${(bytes / 1e6).toFixed(1)} MB, median of ${runs} runs after a warm-up run, one process; ours reads and writes files with its chunk worker thread (the second core) unless said\n`);
console.log('| operation | shardstream | tfrecord 0.2.0 | ratio |');
console.log('|---|---|---|---|');
console.log(row('read + verify CRCs + decode Example', median(t.readOurs), median(t.readTheirs)));
console.log(row('… the same on one thread (offThread: false)', median(t.readOursOneThread), median(t.readTheirs)));
console.log(row('build Example + frame + write (no fsync, no hash: what tfrecord does)', median(t.writeOursNoSync), median(t.writeTheirs)));
console.log(row('build Example + frame + write + sha256 + fsync (as shards are written)', median(t.writeOurs), median(t.writeTheirs)));
await rm(dir, { recursive: true, force: true });
