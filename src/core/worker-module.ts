import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from './package-root.js';
import { NotBuiltError } from './errors.js';

/**
 * The URL of the JavaScript module `name` (e.g. `./chunk-worker.js`) beside the module whose
 * `import.meta.url` is `from`, for `new Worker(…)`. Node runs only JavaScript in a worker: when
 * `from` is a TypeScript source (tests import src/), the file compiled under dist/ is used.
 */
export function compiledModuleUrl(from: string, name: string): URL {
  const url = new URL(name, from);
  if (from.endsWith('.js')) return url;
  const root = packageRoot();
  const compiled = join(root, 'dist', relative(root, fileURLToPath(url)));
  if (!existsSync(compiled)) throw new NotBuiltError(compiled);
  return pathToFileURL(compiled);
}

