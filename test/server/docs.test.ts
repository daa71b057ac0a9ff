import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/server/error-codes.js';
import { createServerMetrics } from '../../src/server/server-metrics.js';
import { STREAM_PARAMS } from '../../src/server/stream-params.js';

const doc = () => readFile(join(process.cwd(), 'docs', 'server.md'), 'utf8');

describe('docs/server.md documents the API as implemented', () => {
  it('every error code, with its status', async () => {
    const text = await doc();
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(text).toMatch(new RegExp(`^\\| \`${code}\` \\| ${status}\\b`, 'm'));
    }
  });

  it('every stream parameter, with its default', async () => {
    const text = await doc();
    for (const p of STREAM_PARAMS) expect(text).toMatch(new RegExp(`^\\| \`${p.name}\` \\| `, 'm'));
  });

  it('every metric', async () => {
    const text = await doc();
    const names = [...createServerMetrics({ bytes: 0, size: 0 }).registry.expose().matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!);
    for (const name of names) {
      const short = name.replace(/_(hits|misses)_total$/, '');
      expect(text.includes(`\`${name}`) || text.includes(`\`${short}_hits_total\` / \`_misses_total\``)).toBe(true);
    }
  });
});
