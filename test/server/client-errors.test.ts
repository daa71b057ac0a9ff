/**
 * Issue 12, defect 8 and "CONNECT gets no response": requests that Node's HTTP parser rejects
 * (before any route) and CONNECT get the documented `{"error": {"code", "message"}}` body.
 * Raw sockets, since no HTTP client sends such requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { rawRequest, type RawResponse } from '../helpers/raw-http.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

let set: SyntheticShardSet;
let server: ShardServer;
const lines: string[] = [];

beforeAll(async () => {
  set = await writeShardSet({ partitions: [{ name: 'train', records: 4, shards: 1 }] });
  server = await createShardServer({ data: set.dir, port: 0, accessLog: (l) => lines.push(l), log: () => undefined });
});

afterAll(async () => {
  await server?.close();
  await set?.cleanup();
});

/** The response's JSON error, after checking the head that goes with it. */
function apiError(res: RawResponse, status: number): { code: string; message: string } {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['connection']).toBe('close');
  expect(Number(res.headers['content-length'])).toBe(res.body.length);
  const body = JSON.parse(res.body.toString('utf8')) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.message).toBe('string');
  return body.error;
}

describe('errors of the HTTP parser have the documented shape', () => {
  it('400 ERR_BAD_REQUEST for a malformed request line', async () => {
    const err = apiError(await rawRequest(server.url, 'GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n'), 400);
    expect(err.code).toBe('ERR_BAD_REQUEST');
    expect(err.message).toMatch(/^Bad request: the HTTP parser rejected the request \(HPE_[A-Z_]+\)/);
  });

  it('400 ERR_BAD_REQUEST for bytes that are not HTTP at all', async () => {
    const err = apiError(await rawRequest(server.url, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a])), 400);
    expect(err.code).toBe('ERR_BAD_REQUEST');
  });

  it('400 ERR_BAD_REQUEST for a header line without a colon, and an unknown method', async () => {
    expect(apiError(await rawRequest(server.url, 'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'), 400).code).toBe('ERR_BAD_REQUEST');
    expect(apiError(await rawRequest(server.url, 'FROB / HTTP/1.1\r\nHost: x\r\n\r\n'), 400).code).toBe('ERR_BAD_REQUEST');
  });

  it('431 ERR_HEADERS_TOO_LARGE for headers past the limit', async () => {
    const err = apiError(await rawRequest(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`), 431);
    expect(err.code).toBe('ERR_HEADERS_TOO_LARGE');
    expect(err.message).toMatch(/^Request headers: larger than the server accepts/);
  });

  it('405 ERR_METHOD_NOT_ALLOWED for CONNECT, with Allow', async () => {
    const res = await rawRequest(server.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 5000);
    const err = apiError(res, 405);
    expect(err.code).toBe('ERR_METHOD_NOT_ALLOWED');
    expect(res.headers['allow']).toBe('GET, HEAD');
  });

  it('each gets an access-log line, and the server answers afterwards', async () => {
    lines.length = 0;
    await rawRequest(server.url, 'GET /a b c HTTP/1.1\r\n\r\n');
    await rawRequest(server.url, 'CONNECT example.com:443 HTTP/1.1\r\n\r\n', 5000);
    expect(lines[0]).toMatch(/ 127\.0\.0\.1 "- -" 400 \d+ [\d.]+ms$/);
    expect(lines[1]).toMatch(/ 127\.0\.0\.1 "CONNECT example\.com:443" 405 \d+ [\d.]+ms$/);
    const ok = await rawRequest(server.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(ok.status).toBe(200);
    expect(server.metrics()).toMatch(/^shardstream_http_requests_total\{route="unparsed",method="-",status="400"\} [1-9]\d*$/m);
  });
});
