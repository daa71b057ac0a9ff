/**
 * Issue 12: a bounded HTTP fuzz test of shard-server (the bin, as deployed). A seeded PRNG
 * builds a few thousand malformed and hostile requests (random routes and query parameters,
 * huge and odd values, bad methods, Range headers and percent-encoding, huge headers, bad
 * framing, raw garbage) sent over raw TCP. Nothing may get a 5xx, every connection must be
 * answered or closed within a timeout, `/healthz` must answer afterwards and the server's RSS
 * must stay bounded. Set FUZZ_SEED to replay another sequence.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShuffleRng } from '../../src/shards/shuffle.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 12);
const REQUESTS = 3000;
const CONCURRENCY = 16;
/** A connection must be answered or closed within this (the server's request timeout is 1 s). */
const HANG_MS = 8000;
const TOKEN = 'fuzz-token';

let set: SyntheticShardSet;
let proc: ServerProcess;

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'png', partitions: [{ name: 'train', records: 24, shards: 2 }, { name: 'val', records: 8, shards: 1 }] });
  proc = await startServerProcess(['--data', set.dir, '--cache-mb', '8', '--request-timeout', '1', '--keep-alive-timeout', '1', '--no-access-log'], { SHARDSTREAM_TOKEN: TOKEN });
});

afterAll(async () => {
  await proc?.stop();
  await set?.cleanup();
});

/** Uniform numbers in [0, 1) from the project's seeded PRNG, so a failing sequence can be replayed. */
function prng(seed: number): () => number {
  const rng = new ShuffleRng(seed, 0);
  return () => rng.next() / 4294967296;
}

/** Builders of hostile parts, all driven by one PRNG. */
function fuzzer(rand: () => number) {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chars = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
  const shard = (): string => pick(set.manifest.partitions).shards[0]!.name;
  const paths = [
    '/', '/healthz', '/metrics', '/v1/manifest', '/v1/datasets', '/v1/stream', `/v1/shards/${shard()}`, `/v1/shards/${shard()}.index`,
    '/v1/shards/manifest.json', '/v1/datasets/synth/manifest.json', `/v1/datasets/synth/${shard()}`, '/v1/ui/samples', '/v1/ui/streams',
    '/v1/shards/..%2f..%2fetc%2fpasswd', '/v1/shards/%2e%2e/manifest.json', '//v1//stream', '/v1/stream/', '/V1/STREAM', '/v2/stream', '/*',
  ];
  const params = ['dataset', 'partitions', 'batch_size', 'seed', 'epoch', 'rank', 'world', 'start_batch', 'drop_remainder', 'format', 'token', 'x', '', '__proto__', 'constructor'];
  const values = [
    '', '0', '1', '2', '-1', '4', '64', '4096', '4097', '1e3', '0x10', ' 1', '1.5', 'NaN', 'Infinity', '9'.repeat(40), String(2 ** 53), 'true', 'false', 'records', 'tensor',
    'train', 'val', 'train,val', 'train,train', ',', 'synth', 'nope', '%00', '%', '%zz', '%c0%af', '%ff%fe', '%e2%82', '..%2f', 'a'.repeat(5000), '%F0%9F%98%80', '[]', '{}',
  ];
  const value = (): string => (rand() < 0.85 ? pick(values) : chars('abc%019_-.~!*()[]{}\'";:@$,/?=&+', 1 + int(40)));
  const query = (): string => {
    if (rand() < 0.15) return '';
    const n = rand() < 0.05 ? 200 + int(800) : int(6);
    const parts = Array.from({ length: n }, () => `${rand() < 0.9 ? pick(params) : chars('abz%5B%5D[]', 1 + int(8))}${rand() < 0.9 ? `=${value()}` : ''}`);
    return `${rand() < 0.9 ? '?' : ';'}${parts.join(rand() < 0.9 ? '&' : ';')}`;
  };
  const path = (): string => {
    const r = rand();
    if (r < 0.7) return pick(paths);
    if (r < 0.85) return `/${chars('abcv1/%.-_~2e5cf', 1 + int(60))}`;
    if (r < 0.9) return `/v1/shards/${'x'.repeat(400 + int(800))}`;
    if (r < 0.95) return pick(['*', 'http://127.0.0.1/healthz', 'example.com:443', '', 'healthz', '/\x7f', '/a b']);
    return `/${chars('%', 1)}${chars('0123456789abcdefgz', int(3))}`;
  };
  const methods = ['GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'CONNECT', 'PROPFIND', 'get', 'G ET', 'FROB', 'GET\0', ''];
  const ranges = [
    'bytes=0-0', 'bytes=-1', 'bytes=5-', 'bytes=-0', 'bytes=9-1', 'bytes=0-1,2-3,4-5', 'bytes=0-99999999999999999999', 'bytes=a-b', 'bytes=', 'bytes=,,,', 'items=0-1',
    `bytes=${Array.from({ length: 300 }, (_, i) => `${i}-${i}`).join(',')}`, 'bytes=0-0,0-0,0-0,0-0', 'bytes=--1', 'bytes=1-2-3', 'bytes = 0-1', 'bytes=0-1;x',
  ];
  const header = (): string => {
    const r = rand();
    if (r < 0.3) return `Range: ${pick(ranges)}`;
    if (r < 0.4) return `If-Range: ${pick(['"x"', 'W/"x"', 'Mon, 01 Jan 1990 00:00:00 GMT', 'garbage', ''])}`;
    if (r < 0.5) return `If-None-Match: ${pick(['*', '"x"', 'W/"x", "y"', ','])}`;
    if (r < 0.55) return `If-Modified-Since: ${pick(['Tue, 01 Jan 2999 00:00:00 GMT', 'yesterday', '0'])}`;
    if (r < 0.7) return `Authorization: ${pick([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, `bearer ${TOKEN}`, 'Bearer', 'Bearer x', `Basic ${TOKEN}`, `Bearer ${'a'.repeat(4000)}`])}`;
    if (r < 0.75) return `Content-Length: ${pick(['0', '5', '-1', 'abc', '99999999999'])}`;
    if (r < 0.8) return `Transfer-Encoding: ${pick(['chunked', 'gzip', 'chunked, chunked', 'identity'])}`;
    if (r < 0.85) return `Accept-Encoding: ${pick(['gzip', '*', 'br;q=0'])}`;
    if (r < 0.9) return `Upgrade: websocket\r\nConnection: Upgrade`;
    if (r < 0.93) return `X-Big: ${'b'.repeat(20_000 + int(30_000))}`;
    if (r < 0.95) return Array.from({ length: 300 }, (_, i) => `X-${i}: ${i}`).join('\r\n');
    return `${chars('abc\x01: \t', 1 + int(20))}`;
  };
  /** One request's bytes. */
  return (): Buffer => {
    const r = rand();
    if (r < 0.06) return Buffer.from(Array.from({ length: 1 + int(2000) }, () => int(256)));
    if (r < 0.08) return Buffer.concat([Buffer.from(Array.from({ length: 1 + int(200) }, () => int(256))), Buffer.from('\r\n\r\n')]);
    if (r < 0.1) return Buffer.from(pick(['GET /\r\n', 'GET / HTTP/1.1\r\n', 'GET / HTTP/1.1\r\nHost: x\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', '\r\n\r\n\r\n']), 'latin1');
    const method = rand() < 0.9 ? 'GET' : pick(methods);
    const headers = Array.from({ length: int(4) }, header);
    const version = rand() < 0.95 ? 'HTTP/1.1' : pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'HTTP/']);
    const lines = [`${method} ${path()}${query()} ${version}`, 'Host: 127.0.0.1', ...headers];
    if (rand() < 0.95) lines.push('Connection: close');
    let req = `${lines.join('\r\n')}\r\n\r\n`;
    if (method === 'POST' || method === 'PUT') req += 'hello';
    // now and then, a second (pipelined) request on the same connection
    if (rand() < 0.05) req += `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    return Buffer.from(req, 'latin1');
  };
}

/** Send `bytes`, read until the server closes; fails the test if that takes longer than {@link HANG_MS}. */
function exchange(bytes: Buffer): Promise<{ status: number; hung: boolean; errorShape: boolean }> {
  const { hostname, port } = new URL(proc.url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ status: 0, hung: true, errorShape: true });
    }, HANG_MS);
    socket.on('data', (c: Buffer) => {
      // Keep only the start (a stream's body is of no interest); the status line is in it.
      if (size < 4096) chunks.push(c);
      size += c.length;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const start = Buffer.concat(chunks);
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(start.subarray(0, 64).toString('latin1'));
      const status = m ? Number(m[1]) : 0;
      resolve({ status, hung: false, errorShape: status < 400 || bytes.subarray(0, 5).toString('latin1') === 'HEAD ' || isApiError(start) });
    });
    socket.write(bytes, () => undefined);
    // A request that is never completed (no final CRLF) is closed by the server's request timeout.
  });
}

/** Whether the first response of `raw` has the documented error body `{"error": {"code", "message"}}`. */
function isApiError(raw: Buffer): boolean {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, split).toString('latin1');
  const length = /^content-length: (\d+)$/im.exec(head);
  if (split < 0 || !length || !/^content-type: application\/json/im.test(head)) return false;
  try {
    const body = JSON.parse(raw.subarray(split + 4, split + 4 + Number(length[1])).toString('utf8')) as { error?: { code?: unknown; message?: unknown } };
    return typeof body.error?.code === 'string' && typeof body.error.message === 'string';
  } catch {
    return false;
  }
}

describe('HTTP fuzz', () => {
  it(`${REQUESTS} hostile requests (seed ${SEED}): no 5xx, no hang, /healthz answers after, RSS bounded`, async () => {
    const next = fuzzer(prng(SEED));
    const requests = Array.from({ length: REQUESTS }, next);
    const rss0 = proc.rssBytes();
    const statuses = new Map<number, number>();
    const hung: string[] = [];
    const unanswered: string[] = [];
    const badShape: string[] = [];
    let i = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (i < requests.length) {
          const req = requests[i++]!;
          const r = await exchange(req);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          const what = JSON.stringify(req.subarray(0, 120).toString('latin1'));
          if (r.hung) hung.push(what);
          else if (r.status === 0) unanswered.push(what);
          else if (!r.errorShape) badShape.push(`${r.status} ${what}`);
        }
      }),
    );
    expect(hung).toEqual([]);
    // Every connection gets an HTTP answer, and every error the documented body.
    expect(unanswered).toEqual([]);
    expect(badShape).toEqual([]);
    const fiveXX = [...statuses.keys()].filter((s) => s >= 500);
    expect(fiveXX, `statuses: ${JSON.stringify([...statuses])}`).toEqual([]);
    // The server's own count covers pipelined responses too.
    const metrics = await (await fetch(`${proc.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).not.toMatch(/^shardstream_http_requests_total\{[^}]*status="5\d\d"\}/m);
    // Something of each kind was answered: the fuzz reached routes, parser errors and auth.
    for (const s of [200, 400, 401, 404]) expect(statuses.get(s) ?? 0, `status ${s}`).toBeGreaterThan(0);
    const health = await fetch(`${proc.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const rss = proc.rssBytes();
    expect(rss).toBeLessThan(2 * rss0 + 100 * 2 ** 20);
  }, 60_000);
});
