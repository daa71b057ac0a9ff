import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** The `test/… › name › name` cells of docs/reliability.md's tables. */
async function rows(): Promise<{ file: string; names: string[] }[]> {
  const doc = await readFile(join(root, 'docs', 'reliability.md'), 'utf8');
  const cells = doc.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| fault') && !l.startsWith('|---')).map((l) => l.split(' | ').at(-1)!.replace(/ \|$/, ''));
  return cells.map((cell) => {
    const m = /^(test\/\S+\.test\.ts)(.*)$/.exec(cell);
    if (!m) throw new Error(`docs/reliability.md: a row names no test file: ${cell}`);
    // Each name is cut at "…" or at a parenthesised variant list: the doc shortens long names.
    const names = m[2]!.split(/[›;]/).map((n) => n.replace(/^[\s,]+|[\s,]+$/g, '').split(/ …| \(\d+ variants?\)|…|\{|, and the two/)[0]!.trim().replace(/^['"]|['"]$/g, '')).filter((n) => n.length > 0 && n !== 'same test');
    return { file: m[1]!, names };
  });
}

describe('docs/reliability.md', () => {
  it('every row names a test file that exists and test names found in it', async () => {
    const all = await rows();
    expect(all.length).toBeGreaterThan(50);
    for (const { file, names } of all) {
      const source = await readFile(join(root, file), 'utf8');
      for (const name of names) expect(source.includes(name), `${file}: no test named like "${name}"`).toBe(true);
    }
  });
});
