/**
 * Start-up time of every bin: `--help` / `--version`, and `tfrecord count` / `cat --limit 1` on a
 * small file, each run N times interleaved with `node -e 0` (the baseline, measured in the same
 * loop so that machine noise hits both alike). Prints medians and the overhead over `node -e 0`.
 *
 *   node dist/bench/startup.js [--runs 10]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bytesFeature, encodeExample, int64Feature } from '../src/tfrecord/example/index.js';
import { encodeRecords } from '../src/tfrecord/framing.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: Expected a positive integer for runs but received ${values.runs}`);

const binDir = fileURLToPath(new URL('../../bin/', import.meta.url));
/** Every bin of package.json. */
const BINS = Object.keys((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> }).bin);

interface Case {
  readonly label: string;
  readonly args: readonly string[];
}

function timeOnce(args: readonly string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')}: exit ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const dir = await mkdtemp(join(tmpdir(), 'bench-startup-'));
try {
  const file = join(dir, 'small.tfrecord');
  await writeFile(file, encodeRecords(Array.from({ length: 10 }, (_, i) => encodeExample({ id: int64Feature(i), name: bytesFeature(`n${i}`) }))));
  const cases: Case[] = [
    ...BINS.flatMap((b) => ['--help', '--version'].map((flag) => ({ label: `${b} ${flag}`, args: [join(binDir, `${b}.js`), flag] }))),
    { label: 'tfrecord count small.tfrecord', args: [join(binDir, 'tfrecord.js'), 'count', file] },
    { label: 'tfrecord cat small.tfrecord --limit 1', args: [join(binDir, 'tfrecord.js'), 'cat', file, '--limit', '1'] },
  ];
  const baseline = ['-e', '0'];
  const times = new Map<string, number[]>([['node -e 0', []], ...cases.map((c): [string, number[]] => [c.label, []])]);
  timeOnce(baseline); // warm the file cache before the first timed run
  for (let i = 0; i < runs; i++) {
    for (const c of cases) {
      times.get('node -e 0')!.push(timeOnce(baseline));
      times.get(c.label)!.push(timeOnce(c.args));
    }
  }
  const base = median(times.get('node -e 0')!);
  const width = Math.max(...[...times.keys()].map((k) => k.length));
  const fastest = Math.min(...times.get('node -e 0')!);
  // the minimum is what an idle machine gives; the median is what this (shared) one gives
  console.log(`start-up, median and minimum of ${runs} runs (node -e 0 interleaved with each case: ${times.get('node -e 0')!.length} runs)`);
  console.log(`${'command'.padEnd(width)}  median ms  over node -e 0  min ms  over node -e 0`);
  for (const [label, xs] of times) {
    const m = median(xs);
    const low = Math.min(...xs);
    const over = (v: number, b: number): string => (label === 'node -e 0' ? '' : `${(v - b).toFixed(0)} ms`).padStart(14);
    console.log(`${label.padEnd(width)}  ${m.toFixed(0).padStart(9)}  ${over(m, base)}  ${low.toFixed(0).padStart(6)}  ${over(low, fastest)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
