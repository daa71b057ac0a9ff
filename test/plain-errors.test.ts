import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The places in `src/` where a standard error is the right contract, each with why. Anything
 * else a user can hit is a ShardstreamError with a code of core/error-codes.ts.
 */
const ALLOWED: Readonly<Record<string, string>> = {
  'server/ui/app.js': 'browser code of the web page: it has no ShardstreamError, and shows the message',
  'images/fast-decode.ts': 'runs only in the decode worker, which sends the message on; the caller throws it as an InvalidInputError naming the record',
  'images/turbo-jpeg.ts': 'the libjpeg-turbo driver, run only by fast-decode in the decode worker: its message reaches the user inside the InvalidInputError naming the record',
  'images/lode-png.ts': 'the lodepng driver, run only by fast-decode in the decode worker (as turbo-jpeg.ts)',
  'images/wasm-heap.ts': "the codecs' WASM heap, used only by the drivers in the decode worker (as turbo-jpeg.ts)",
  'tfrecord/chunk-reader.ts': "the chunk worker's system error (errno `code`), made again as the on-thread read throws it: file-system errors stay Node's own",
};

/** `new Error(`, `new RangeError(`, `new TypeError(` … in code (not in comments). */
const STANDARD_ERROR = /\bnew\s+(Error|RangeError|TypeError|SyntaxError|ReferenceError|EvalError|URIError|AggregateError)\s*\(/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each `file:line: text` of `src/` that makes a standard error. */
function standardErrors(root: string): { file: string; at: string }[] {
  const found: { file: string; at: string }[] = [];
  for (const path of sourceFiles(root)) {
    const file = relative(root, path);
    // Comments are blanked (lines kept), so a comment that names `new Error(` is no hit.
    const text = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (c) => c.replace(/[^\n]/g, ' '));
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(STANDARD_ERROR)) found.push({ file, at: `${file}:${i + 1}: new ${m[1]}(` });
    });
  }
  return found;
}

describe('errors thrown in src/', () => {
  const root = join(process.cwd(), 'src');

  it('are ShardstreamErrors: no standard Error, RangeError or TypeError outside the allowed places', () => {
    const files = sourceFiles(root);
    expect(files.length).toBeGreaterThan(100);
    expect(standardErrors(root).filter((e) => ALLOWED[e.file] === undefined).map((e) => e.at)).toEqual([]);
  });

  it('each allowed place still makes one (the list holds no stale entry)', () => {
    const files = new Set(standardErrors(root).map((e) => e.file));
    expect(Object.keys(ALLOWED).filter((f) => !files.has(f))).toEqual([]);
  });
});

describe('error classes in src/', () => {
  it('are each in the table of codes, or a base that takes its code from a subclass or another table', async () => {
    const { LIBRARY_ERROR_CODES } = await import('../src/core/error-codes.js');
    const tabled = new Set<string>(Object.values(LIBRARY_ERROR_CODES).map((c) => c.class));
    // UrlError and HttpError take the code of their subclass; ApiError one of server/error-codes.ts.
    const bases = new Set(['ShardstreamError', 'UrlError', 'HttpError', 'ApiError']);
    // Control flow that never leaves its file: turbo-jpeg.ts catches its FatalJpegError (libjpeg's longjmp).
    const internal = new Set(['FatalJpegError']);
    const root = join(process.cwd(), 'src');
    const classes = sourceFiles(root).flatMap((path) => [...readFileSync(path, 'utf8').matchAll(/\bclass\s+(\w+)(?:<[^>]*>)?\s+extends\s+(\w+)/g)].filter((m) => /Error$/.test(m[2]!)).map((m) => m[1]!));
    expect(classes.length).toBeGreaterThan(20);
    expect(classes.filter((c) => !tabled.has(c) && !bases.has(c) && !internal.has(c))).toEqual([]);
    expect([...tabled].filter((c) => !classes.includes(c))).toEqual([]);
  });
});
