import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';

// `--help` and `--version` print text the build stored (src/cli/cli-text-cache.ts). It must be the
// text the command itself prints, and a store older than the command must not be used.

const BINS = Object.keys((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> }).bin);
const LIVE = { SHARDSTREAM_CLI_TEXT_CACHE: '0' };

describe('stored --help and --version text', () => {
  it.each(BINS.flatMap((bin) => ['--help', '-h', '--version', '-V'].map((flag) => [bin, flag])))('%s %s prints what the command prints', async (bin, flag) => {
    const [stored, live] = await Promise.all([runBin(bin, [flag]), runBin(bin, [flag], { env: LIVE })]);
    expect(stored.code).toBe(0);
    expect(live.code).toBe(0);
    expect(stored.stdout).not.toBe('');
    expect(stored.stdout).toBe(live.stdout);
    expect(stored.stderr).toBe('');
  });

  it('help is laid out at the same width on a wide terminal (COLUMNS does not change it)', async () => {
    const [narrow, wide] = await Promise.all([runBin('dcgan-train', ['--help'], { env: LIVE }), runBin('dcgan-train', ['--help'], { env: { ...LIVE, COLUMNS: '200' } })]);
    expect(narrow.code).toBe(0);
    expect(wide.stdout).toBe(narrow.stdout);
  });
});

describe('the store is used only while it is fresh', () => {
  // A package of one bin in a temp folder, laid out as this one: bin/, dist/src/cli/, dist/cli-text/.
  let root: string;
  const exec = promisify(execFile);
  const runTemp = async (args: string[]): Promise<string> => (await exec(process.execPath, [join(root, 'bin', 'x.js'), ...args], { encoding: 'utf8' })).stdout;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cli-text-'));
    await mkdir(join(root, 'bin'));
    await mkdir(join(root, 'dist', 'src', 'cli'), { recursive: true });
    await mkdir(join(root, 'dist', 'cli-text'));
    await copyFile(fileURLToPath(new URL('../../dist/src/cli/cli-text-cache.js', import.meta.url)), join(root, 'dist', 'src', 'cli', 'cli-text-cache.js'));
    await writeFile(join(root, 'dist', 'package.json'), '{"type":"module"}\n');
    await writeFile(join(root, 'bin', 'package.json'), '{"type":"module"}\n');
    const binText = readFileSync(new URL('../../bin/tfrecord.js', import.meta.url), 'utf8').replaceAll('tfrecord', 'x');
    await writeFile(join(root, 'bin', 'x.js'), binText);
    await writeFile(join(root, 'dist', 'src', 'cli', 'x.js'), "process.stdout.write('live ' + process.argv.slice(2).join(' ') + '\\n');\n");
    const { mtimeMs } = await stat(join(root, 'dist', 'src', 'cli', 'x.js'));
    await writeFile(join(root, 'dist', 'cli-text', 'x.json'), JSON.stringify({ moduleMtimeMs: mtimeMs, help: 'stored help\n', version: 'stored version\n' }));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('prints the stored text for exactly one help or version flag, and runs the command otherwise', async () => {
    expect(await runTemp(['--help'])).toBe('stored help\n');
    expect(await runTemp(['-V'])).toBe('stored version\n');
    expect(await runTemp(['cat', '--help'])).toBe('live cat --help\n');
    expect(await runTemp([])).toBe('live \n');
  });

  it('runs the command when its module is newer than the store', async () => {
    const module = join(root, 'dist', 'src', 'cli', 'x.js');
    await utimes(module, new Date(), new Date(Date.now() + 5000));
    expect(await runTemp(['--help'])).toBe('live --help\n');
  });
});
