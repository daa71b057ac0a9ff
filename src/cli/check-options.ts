import { InvalidParameterError } from '../core/errors.js';
import { UsageError } from './run-cli.js';

// Only light imports here: a bin loads this before it parses its arguments (issue 13).

/**
 * Check `options` with the library's `resolve`, before any work: a bad option becomes a
 * {@link UsageError} (exit 2), in the words `usage` has for it, else `<flag>: <message>`
 * (`flagOf` maps the library names that differ from the flag). Returns what `resolve` returns.
 */
export function checkOptions<O, R>(
  resolve: (options: O) => R,
  options: O,
  flagOf: Readonly<Record<string, string>>,
  usage: (error: InvalidParameterError) => string | undefined = () => undefined,
): R {
  try {
    return resolve(options);
  } catch (error) {
    if (error instanceof InvalidParameterError) throw new UsageError(usage(error) ?? `${flagOf[error.param] ?? `--${error.param}`}: ${error.message}`, { cause: error });
    throw error;
  }
}
