import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

let set: SyntheticShardSet;
let server: ShardServer;
const lines: string[] = [];

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'png' });
  server = await createShardServer({ data: set.dir, port: 0, accessLog: (l) => lines.push(l), token: 'tok', imageCacheBytes: 0 });
});

afterAll(async () => {
  await server?.close();
  await set?.cleanup();
});

const auth = { authorization: 'Bearer tok' };

async function get(path: string, headers: Record<string, string> = auth) {
  const res = await request(`${server.url}${path}`, { headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers as Record<string, string>, body };
}

/** Wait until the access log has `n` lines (it is written when each response closes). */
async function logLines(n: number): Promise<string[]> {
  for (let i = 0; i < 100 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  return lines;
}

describe('access log', () => {
  it('writes one line per request: time, client, method and path, status, bytes, milliseconds', async () => {
    lines.length = 0;
    const stream = await get('/v1/stream?batch_size=8&format=tensor');
    await get('/v1/shards/nope', auth);
    await get('/v1/manifest', {});
    const [a, b, c] = await logLines(3);
    expect(a).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 127\.0\.0\.1 "GET \/v1\/stream\?batch_size=8&format=tensor" 200 (\d+) \d+\.\dms$/);
    expect(Number(/" 200 (\d+) /.exec(a!)![1])).toBeGreaterThan(stream.body.length);
    expect(b).toMatch(/"GET \/v1\/shards\/nope" 404 \d+ /);
    expect(c).toMatch(/"GET \/v1\/manifest" 401 \d+ /);
  });

  it('never logs a token: not the header, and a token= query value is redacted', async () => {
    lines.length = 0;
    await get('/v1/stream?batch_size=8&token=supersecret');
    const [line] = await logLines(1);
    expect(line).toContain('"GET /v1/stream?batch_size=8&token=REDACTED" 400');
    expect(line).not.toContain('supersecret');
    expect(line).not.toContain('tok"');
  });

  it('marks a response that was cut before its end', async () => {
    lines.length = 0;
    const res = await request(`${server.url}/v1/stream?batch_size=1&format=tensor`, { headers: auth });
    await res.body[Symbol.asyncIterator]().next();
    res.body.destroy();
    const [line] = await logLines(1);
    expect(line).toMatch(/ 200 \d+ [\d.]+ms incomplete$/);
  });
});

describe('/metrics', () => {
  it('is Prometheus text with requests by route and status, bytes, streams, records, batches, cache and decode time', async () => {
    await get('/v1/stream?batch_size=8&format=tensor&seed=3');
    await get('/v1/stream?batch_size=8&seed=3');
    await get(`/v1/shards/${set.manifest.partitions[0]!.shards[0]!.name}`, { ...auth, range: 'bytes=0-9' });
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = m.body.toString();
    for (const name of [
      'shardstream_http_requests_total',
      'shardstream_http_response_bytes_total',
      'shardstream_http_request_duration_seconds',
      'shardstream_stream_records_total',
      'shardstream_stream_batches_total',
      'shardstream_streams_active',
      'shardstream_record_cache_hits_total',
      'shardstream_record_cache_misses_total',
      'shardstream_decode_seconds',
      'shardstream_decoded_images_total',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(text).toMatch(/^shardstream_http_requests_total\{route="\/v1\/stream",method="GET",status="200"\} \d+$/m);
    expect(text).toMatch(/^shardstream_http_requests_total\{route="\/v1\/shards\/:name",method="GET",status="206"\} 1$/m);
    expect(text).toMatch(/^shardstream_http_requests_total\{route="\/v1\/manifest",method="GET",status="401"\} 1$/m);
    expect(text).toMatch(/^shardstream_stream_records_total\{dataset="synth",format="records"\} 64$/m);
    expect(text).toMatch(/^shardstream_stream_batches_total\{dataset="synth",format="records"\} 8$/m);
    expect(text).toMatch(/^shardstream_streams_active 0$/m);
    expect(text).toMatch(/^shardstream_decode_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^shardstream_decode_seconds_count \d+$/m);
    expect(Number(/^shardstream_record_cache_hits_total (\d+)$/m.exec(text)![1])).toBeGreaterThan(0);
    // every sample line is `name{labels} value`
    for (const line of text.trim().split('\n')) {
      if (!line.startsWith('#')) expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (\d+(\.\d+)?(e[+-]?\d+)?|NaN|\+Inf)$/);
    }
  });
});
