import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/server/error-codes.js';
import { createServerMetrics } from '../../src/server/server-metrics.js';
import { STREAM_HEADERS, STREAM_PARAMS } from '../../src/shards/stream-protocol.js';
import { tableRows } from '../helpers/markdown-table.js';

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

  it('the stream parameters of the protocol, exactly, in its order, with its defaults', async () => {
    const rows = tableRows(await doc(), '| parameter | default | what |');
    expect(rows.map((r) => [r[0], r[1]])).toEqual(STREAM_PARAMS.map((p) => [`\`${p.name}\``, p.defaultDoc]));
  });

  it('the stream response headers of the protocol, exactly', async () => {
    const rows = tableRows(await doc(), '| header | what |');
    const documented = rows.flatMap((r) => [...r[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.toLowerCase()));
    expect(documented.sort()).toEqual(Object.values(STREAM_HEADERS).sort());
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
