import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesFeature, encodeExample, int64Feature } from '../../src/tfrecord/example/index.js';
import { encodeRecords } from '../../src/tfrecord/framing.js';
import { runBin } from '../helpers/run-bin.js';

// Start-up cost is what a command loads before it parses its arguments: `--help` and `--version`
// must not load the heavy packages, which only the actions that need them import. Times are in
// bench/startup.ts (this machine is too noisy for timed assertions); here we check what is loaded.

/** Preloaded with --import: logs every ESM resolution (hooks thread) and, at exit, every CommonJS file. */
const PRELOAD = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url));
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(process.env.STARTUP_TRACE, Object.keys(require.cache).join('\\n') + '\\n'));
`;
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.STARTUP_TRACE, result.url + '\\n');
  return result;
}
`;

/** Packages that cost tens to hundreds of milliseconds to load; none is needed to parse arguments. */
const HEAVY = ['@tensorflow/', 'sharp', '@img/', '@cwasm/', 'fastify', 'protobufjs', 'vega', 'undici', 'fast-csv', 'cli-progress'];
/** Every bin of package.json, so that a new one is checked too. */
const BINS = Object.keys((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> }).bin);

let dir: string;
let small: string;
let run = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'startup-imports-'));
  await writeFile(join(dir, 'preload.mjs'), PRELOAD);
  await writeFile(join(dir, 'hooks.mjs'), HOOKS);
  small = join(dir, 'small.tfrecord');
  await writeFile(small, encodeRecords([0, 1, 2].map((i) => encodeExample({ id: int64Feature(i), name: bytesFeature(`n${i}`) }))));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Run a bin with the preload; the packages it loaded (names under node_modules/), sorted. */
async function packagesLoaded(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; packages: string[] }> {
  const trace = join(dir, `trace-${run++}.txt`);
  await writeFile(trace, '');
  const r = await runBin(bin, args, { env: { ...env, STARTUP_TRACE: trace, NODE_OPTIONS: `--import=${pathToFileURL(join(dir, 'preload.mjs')).href}` } });
  const names = (await readFile(trace, 'utf8')).split('\n').flatMap((line) => {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(decodeURIComponent(line));
    return m ? [m[1]!] : [];
  });
  return { code: r.code, stdout: r.stdout, packages: [...new Set(names)].sort() };
}

const heavyIn = (packages: readonly string[]): string[] => packages.filter((p) => HEAVY.some((h) => p.startsWith(h)));

describe('command start-up loads no heavy package before it needs one', () => {
  it.each(BINS.flatMap((bin) => [[bin, '--version'], [bin, '--help']]))('%s %s loads no package: the build stored its text', async (bin, flag) => {
    const r = await packagesLoaded(bin, [flag]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toBe('');
    expect(r.packages).toEqual([]);
  });

  it.each(BINS.flatMap((bin) => [[bin, '--version'], [bin, '--help']]))('%s %s without the stored text loads commander only', async (bin, flag) => {
    const r = await packagesLoaded(bin, [flag], { SHARDSTREAM_CLI_TEXT_CACHE: '0' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toBe('');
    expect(r.packages).toContain('commander'); // the trace works
    expect(heavyIn(r.packages)).toEqual([]);
  });

  it('tfrecord count reads records without protobufjs (or any other heavy package)', async () => {
    const r = await packagesLoaded('tfrecord', ['count', small]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('3\n');
    expect(heavyIn(r.packages)).toEqual([]);
  });

  it('tfrecord cat loads protobufjs, which it needs (the trace sees CommonJS packages too)', async () => {
    const r = await packagesLoaded('tfrecord', ['cat', small, '--limit', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(heavyIn(r.packages)).toEqual(['protobufjs']);
  });
});
