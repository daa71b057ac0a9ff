/**
 * Stores every bin's `--help` and `--version` text for src/cli/cli-text-cache.ts, so that those
 * two calls print without loading the command. Part of `npm run build`; reads the bins from
 * package.json and each bin's command module from its `new URL('…', import.meta.url)` line.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../src/core/atomic-file.js';
import { packageRoot } from '../src/core/package-root.js';
import { cliTextPath, type CliText } from '../src/cli/cli-text-cache.js';

const run = promisify(execFile);

/** The compiled command module a bin file loads. */
export function commandModuleOf(binFile: string): string {
  const m = /new URL\('([^']+)', import\.meta\.url\)/.exec(readFileSync(binFile, 'utf8'));
  if (!m?.[1]) throw new Error(`${binFile}: no new URL('…', import.meta.url) line naming the command module`);
  return fileURLToPath(new URL(m[1], pathToFileURL(binFile)));
}

/** Runs `bin` live (the store bypassed) and returns its stdout. */
async function live(binFile: string, flag: string): Promise<string> {
  const { stdout } = await run(process.execPath, [binFile, flag], { env: { ...process.env, SHARDSTREAM_CLI_TEXT_CACHE: '0' }, encoding: 'utf8' });
  return stdout;
}

/** Writes the store of every bin of package.json. */
export async function writeCliTexts(): Promise<string[]> {
  const root = packageRoot();
  const bins = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
  mkdirSync(join(root, 'dist', 'cli-text'), { recursive: true });
  return Promise.all(
    Object.entries(bins).map(async ([name, file]) => {
      const binFile = join(root, file);
      const moduleMtimeMs = statSync(commandModuleOf(binFile)).mtimeMs;
      const [help, version] = await Promise.all([live(binFile, '--help'), live(binFile, '--version')]);
      const text: CliText = { moduleMtimeMs, help, version };
      await writeFileAtomic(cliTextPath(name), `${JSON.stringify(text)}\n`);
      return name;
    }),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeCliTexts();
}
