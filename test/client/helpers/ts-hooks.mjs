// Module hooks that let a child `node` process run the project's TypeScript sources directly
// (Node 20 cannot strip types): `.js` specifiers fall back to the `.ts` file beside them, and
// `.ts` files are transpiled one by one with the project's own TypeScript compiler. Output is
// cached by path and content hash in node_modules/.cache, so a restarted process starts fast.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const cacheDir = fileURLToPath(new URL('../../../node_modules/.cache/shardstream-test-ts/', import.meta.url));
let ts;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (/\.js$/.test(specifier) && /^(\.|\/|file:)/.test(specifier)) return nextResolve(specifier.replace(/\.js$/, '.ts'), context);
    throw error;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const source = await readFile(fileName, 'utf8');
  const cached = `${cacheDir}${createHash('sha256').update(fileName).update('\0').update(source).digest('hex')}.mjs`;
  let output = await readFile(cached, 'utf8').catch(() => undefined);
  if (output === undefined) {
    ts ??= (await import('typescript')).default;
    output = ts.transpileModule(source, {
      fileName,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true },
    }).outputText;
    await mkdir(cacheDir, { recursive: true });
    const partial = `${cached}.${process.pid}.partial`;
    await writeFile(partial, output);
    await rename(partial, cached);
  }
  return { format: 'module', source: output, shortCircuit: true };
}
