/**
 * Regenerates the "Command reference" of README.md from each bin's `--help`, between the
 * markers `<!-- help:NAME -->` and `<!-- /help:NAME -->`, so the README and the CLIs never
 * disagree (test/readme.test.ts checks it). Run: `npm run readme:help`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/core/package-root.js';

/** The bins whose help the README shows, with the subcommands that have their own. */
export const HELP_PAGES: readonly (readonly string[])[] = [
  ['tfrecord'],
  ['tfrecord', 'cat'],
  ['tfrecord', 'count'],
  ['tfrecord', 'verify'],
  ['tfrecord', 'index'],
  ['celeba-convert'],
  ['mnist-convert'],
  ['shard-server'],
  ['dcgan-train'],
  ['dcgan-sample'],
  ['dcgan-eval'],
  ['shardstream-demo'],
];

/** The `--help` text of one page, with a fixed terminal width. */
export function helpText(page: readonly string[]): string {
  const root = packageRoot();
  return execFileSync(process.execPath, [join(root, 'bin', `${page[0]}.js`), ...page.slice(1), '--help'], {
    env: { ...process.env, COLUMNS: '100' },
    encoding: 'utf8',
  }).trimEnd();
}

/** The marker name of a page. */
export const markerName = (page: readonly string[]): string => page.join('-');

/** README text with every help block replaced by the current help. */
export function withCurrentHelp(readme: string): string {
  let out = readme;
  for (const page of HELP_PAGES) {
    const name = markerName(page);
    const re = new RegExp(`<!-- help:${name} -->[\\s\\S]*?<!-- /help:${name} -->`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- help:${name} --> block`);
    out = out.replace(re, () => `<!-- help:${name} -->\n\`\`\`text\n$ ${page.join(' ')} --help\n${helpText(page)}\n\`\`\`\n<!-- /help:${name} -->`);
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const path = join(packageRoot(), 'README.md');
  writeFileSync(path, withCurrentHelp(readFileSync(path, 'utf8')));
  console.log('README.md: command reference regenerated');
}
