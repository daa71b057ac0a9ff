import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ShardstreamError } from '../core/errors.js';
import { packageVersion } from '../core/package-root.js';
import { HELP_WIDTH } from './cli-text-cache.js';

/** Exit code for usage errors (bad options or arguments). */
export const EXIT_USAGE = 2;
/** Exit code for failures of the work itself. */
export const EXIT_FAILURE = 1;

/** A new commander program with the project's conventions: `--version`, usage errors exit 2, help {@link HELP_WIDTH} wide. */
export function createProgram(name: string, description: string): Command {
  const program = new Command(name)
    .description(description)
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ helpWidth: HELP_WIDTH });
  program.exitOverride();
  return program;
}

/**
 * Parse argv and run; maps commander's usage errors to exit 2, and project errors to a one-line
 * message and exit 1 (stack traces only with SHARDSTREAM_DEBUG=1).
 */
export async function runCli(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // help and version "errors" are successful exits
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n(run with --help for usage)\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ShardstreamError) {
    process.stderr.write(`error: ${error.message}\n`);
    if (process.env.SHARDSTREAM_DEBUG === '1') process.stderr.write(`${error.stack ?? ''}\n`);
    return EXIT_FAILURE;
  }
  const sys = error as NodeJS.ErrnoException;
  if (typeof sys?.code === 'string' && typeof sys.syscall === 'string') {
    // file-system errors already name the path: no stack needed
    process.stderr.write(`error: ${sys.message}\n`);
    return EXIT_FAILURE;
  }
  process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT_FAILURE;
}

/** A usage error raised by a command's own checks (exit 2); the message names the flags. */
export class UsageError extends ShardstreamError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_USAGE', message, options);
  }
}

/** Option parser: a non-negative integer. */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** Option parser: a positive integer. */
export function parsePositive(value: string): number {
  const n = parseCount(value);
  if (n === 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Option parser: a finite number. */
export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}
