import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './helpers/import-graph.js';

describe('the import graph of src/', () => {
  it('has no cycle, type-only imports included', () => {
    const graph = importGraph(join(process.cwd(), 'src'));
    expect(graph.size).toBeGreaterThan(100);
    expect(importCycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('has no folder importing the CLI, and the server and client never import each other', () => {
    const graph = importGraph(join(process.cwd(), 'src'));
    const bad: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        const [a, b] = [from.split('/')[0], to.split('/')[0]];
        if (b === 'cli' && a !== 'cli') bad.push(`${from} → ${to}`);
        if ((a === 'server' && b === 'client') || (a === 'client' && b === 'server')) bad.push(`${from} → ${to}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('importCycles (the check above)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'import-graph-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a cycle made only of type-only imports and re-exports, through a folder index', () => {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './sub/index.js';\nexport type A = B;\n");
    writeFileSync(join(dir, 'sub', 'index.ts'), "export type { B } from './b.js';\n");
    writeFileSync(join(dir, 'sub', 'b.ts'), "import {\n  type A,\n} from '../a.js';\nexport type B = A[];\n");
    writeFileSync(join(dir, 'c.ts'), "// import './a.js' is only a comment\nexport const c = await import('./sub/b.js');\n");
    const graph = importGraph(dir);
    expect(graph.get('c.ts')).toEqual(['sub/b.ts']);
    expect(importCycles(graph)).toEqual([['a.ts', 'sub/index.ts', 'sub/b.ts', 'a.ts']]);
  });
});
