import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELP_PAGES, markerName, withCurrentHelp } from '../scripts/readme-help.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('shows the current --help of every bin (npm run readme:help regenerates it)', () => {
    expect(withCurrentHelp(readme)).toBe(readme);
    for (const page of HELP_PAGES) expect(readme).toContain(`<!-- help:${markerName(page)} -->`);
  });

  it('gives the two commands and the test command CI runs', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
    expect(readFileSync(new URL('../.ci/run', import.meta.url), 'utf8')).toMatch(/^npm test$/m);
  });

  it('has no placeholder left', () => {
    expect(readme).not.toMatch(/PERFORMANCE_TABLE|TODO|TBD/);
  });
});
