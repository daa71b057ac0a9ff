import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `--help` and `--version` without loading the command. A bin's top-level help and version text
 * never change between builds, so the build (scripts/cli-text.ts) runs each bin once and stores
 * both here; the bin prints the stored text and exits before it imports commander or its own
 * module, which saves ~40 ms of every such call. Help is laid out at a fixed width
 * ({@link HELP_WIDTH}), so the stored text is the live text on any terminal. The store is ignored
 * when the command's compiled module is newer than it (a `tsc` without the build script), and with
 * `SHARDSTREAM_CLI_TEXT_CACHE=0`.
 */

/** Width of every help page, terminal or not, so that the stored help equals the live one. */
export const HELP_WIDTH = 80;

/** What the build stores for one bin. */
export interface CliText {
  /** mtime (ms) of the command's compiled module when the text was taken. */
  readonly moduleMtimeMs: number;
  readonly help: string;
  readonly version: string;
}

const distDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The store of one bin: `dist/cli-text/<bin>.json`. */
export function cliTextPath(bin: string): string {
  return join(distDir, 'cli-text', `${bin}.json`);
}

/** The stored text of `bin` when it is fresh for `moduleUrl` (the command's module), else undefined. */
export function readCliText(bin: string, moduleUrl: string): CliText | undefined {
  try {
    const text = JSON.parse(readFileSync(cliTextPath(bin), 'utf8')) as CliText;
    if (statSync(fileURLToPath(moduleUrl)).mtimeMs !== text.moduleMtimeMs) return undefined;
    return text;
  } catch {
    return undefined;
  }
}

/**
 * Prints the stored help or version when `argv` (after the bin's name) is exactly one of
 * `--help`, `-h`, `--version`, `-V`, and says whether it did; the bin then loads nothing more.
 */
export function printCliText(bin: string, moduleUrl: string, argv: readonly string[] = process.argv.slice(2)): boolean {
  if (argv.length !== 1 || process.env.SHARDSTREAM_CLI_TEXT_CACHE === '0') return false;
  const flag = argv[0];
  const kind = flag === '--help' || flag === '-h' ? 'help' : flag === '--version' || flag === '-V' ? 'version' : undefined;
  if (kind === undefined) return false;
  const text = readCliText(bin, moduleUrl);
  if (text === undefined) return false;
  process.stdout.write(text[kind]);
  return true;
}
