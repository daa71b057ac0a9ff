/**
 * Issue 12, defect 7: no spelling of a secret query parameter reaches the access log, and the
 * Authorization header never does. Requests go over raw sockets so the URL is sent byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { rawRequest } from '../helpers/raw-http.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

const TOKEN = 'S3cr3tT0ken';
let set: SyntheticShardSet;
let server: ShardServer;
const lines: string[] = [];

beforeAll(async () => {
  set = await writeShardSet({ partitions: [{ name: 'train', records: 4, shards: 1 }] });
  server = await createShardServer({ data: set.dir, port: 0, accessLog: (l) => lines.push(l), log: () => undefined, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await set?.cleanup();
});

/** The access-log line of one raw GET of `target`. */
async function logged(target: string, headers = ''): Promise<{ status: number; line: string }> {
  lines.length = 0;
  const res = await rawRequest(server.url, `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);
  for (let i = 0; i < 200 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  expect(lines).toHaveLength(1);
  return { status: res.status, line: lines[0]! };
}

describe('access log: secrets', () => {
  const variants = [
    '/?to%6Ben=',
    '/?tok%65n=',
    '/?TOKEN=',
    '/?token[]=',
    '/?token%5B%5D=',
    '/?a=1&token=',
    '/?a=1;token=',
    '/v1/manifest?tok%65n=',
    '/v1/manifest;token=',
    '/v1/stream?batch_size=1&access%5Ftoken=',
    '/v1/shards/x?tok%2565n=',
    '/?token=a&token=',
    'http://x/v1/manifest?t%6F%6Ben=',
  ];
  for (const v of variants) {
    it(`redacts the value of ${v}`, async () => {
      const { line } = await logged(`${v}${TOKEN}`);
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain(TOKEN.slice(0, 8));
      expect(line).toContain('REDACTED');
    });
  }

  it('the page accepts the encoded name /?to%6Ben= (so its value is the real token) and still logs no token', async () => {
    const { status, line } = await logged(`/?to%6Ben=${TOKEN}`);
    expect(status).toBe(200);
    expect(line).toMatch(/"GET \/\?to%6Ben=REDACTED" 200 /);
  });

  it('keeps the other parameters as sent', async () => {
    const { line } = await logged(`/v1/stream?batch_size=2&seed=7&tok%65n=${TOKEN}&epoch=1`, `Authorization: Bearer ${TOKEN}\r\n`);
    expect(line).toContain('"GET /v1/stream?batch_size=2&seed=7&tok%65n=REDACTED&epoch=1" 400 ');
  });

  it('never logs the Authorization header, valid or not', async () => {
    for (const value of [`Bearer ${TOKEN}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`]) {
      const { line } = await logged('/v1/manifest', `Authorization: ${value}\r\n`);
      expect(line).not.toContain(TOKEN);
    }
  });
});
