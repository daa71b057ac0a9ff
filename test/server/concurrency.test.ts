import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { batchRecordIds, permutation } from '../../src/shards/shuffle.js';
import { decodeTensorBatch } from '../../src/shards/tensor-batch.js';
import { startServerProcess } from '../helpers/server-process.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { fetchStream, recordsOf, synthIds } from './stream-helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value of a metric line (without labels, or with the exact label text given). */
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name.replace(/[{}"=,]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('many streams at once', () => {
  let set: SyntheticShardSet;
  let server: ShardServer;

  beforeAll(async () => {
    set = await writeShardSet({ encoding: 'png', partitions: [{ name: 'train', records: 200, shards: 4 }, { name: 'val', records: 40, shards: 1 }] });
    server = await createShardServer({ data: set.dir, port: 0, accessLog: false, readAhead: 2 });
  });

  afterAll(async () => {
    await server?.close();
    await set?.cleanup();
  });

  it('8 concurrent streams (4 ranks of records, 4 ranks of tensors) complete correctly and share the cache', async () => {
    const N = 240;
    const perm = permutation(N, 21, 5);
    const params = (rank: number, format: string) => ({ batch_size: 6, seed: 21, epoch: 5, world: 4, rank, format });
    const results = await Promise.all([
      ...[0, 1, 2, 3].map((rank) => fetchStream(server.url, params(rank, 'records'))),
      ...[0, 1, 2, 3].map((rank) => fetchStream(server.url, params(rank, 'tensor'))),
    ]);
    const union: number[] = [];
    for (let rank = 0; rank < 4; rank++) {
      const plan = { records: N, batchSize: 6, world: 4, rank };
      const expected = Array.from({ length: 10 }, (_, k) => [...batchRecordIds(perm, plan, k)]).flat();
      expect(await synthIds(results[rank]!.body)).toEqual(expected);
      const tensors = (await recordsOf(results[4 + rank]!.body)).map((r) => decodeTensorBatch(r));
      expect(tensors.flatMap((t) => t.ids)).toEqual(expected);
      for (const t of tensors) {
        t.ids.forEach((id, i) => expect(Buffer.from(t.images.subarray(i * 192, (i + 1) * 192)).equals(Buffer.from(set.pixels(id)))).toBe(true));
      }
      union.push(...expected);
    }
    expect(new Set(union).size).toBe(240);
    const text = server.metrics();
    // each record was read from disk once (with its block: the set fits in the cache), then
    // shared through the cache by the records and the tensor streams
    expect(metric(text, 'shardstream_record_cache_misses_total') + metric(text, 'shardstream_record_cache_hits_total')).toBe(480);
    const shardBytes = set.manifest.partitions.flatMap((p) => p.shards).reduce((n, s) => n + s.bytes, 0);
    expect(metric(text, 'shardstream_disk_read_bytes_total')).toBe(shardBytes);
    expect(metric(text, 'shardstream_stream_batches_total{dataset="synth",format="tensor"}')).toBe(40);
    // the same epoch as tensors again: every image comes from the image cache, none is decoded
    const decoded = metric(text, 'shardstream_decoded_images_total{encoding="png"}');
    expect(decoded).toBe(240);
    const again = await fetchStream(server.url, params(2, 'tensor'));
    expect(again.body.equals(results[6]!.body)).toBe(true);
    expect(metric(server.metrics(), 'shardstream_decoded_images_total{encoding="png"}')).toBe(240);
    expect(metric(server.metrics(), 'shardstream_image_cache_hits_total')).toBe(60);
    expect(server.stats().activeStreams).toBe(0);
  });

  it('a client that disconnects mid-stream frees its slot and its work stops', async () => {
    // no image cache: every image of the stream must be decoded
    const server = await createShardServer({ data: set.dir, port: 0, accessLog: false, readAhead: 2, imageCacheBytes: 0 });
    onTestFinished(() => server.close());
    const before = metric(server.metrics(), 'shardstream_decoded_images_total{encoding="png"}');
    const res = await request(`${server.url}/v1/stream?format=tensor&batch_size=10&seed=99`);
    expect(res.statusCode).toBe(200);
    const reader = res.body[Symbol.asyncIterator]();
    await reader.next(); // some bytes arrived
    res.body.destroy();
    for (let i = 0; i < 100 && (server.stats().activeStreams > 0 || server.stats().decodeQueue > 0); i++) await sleep(20);
    expect(server.stats().activeStreams).toBe(0);
    expect(server.stats().decodeQueue).toBe(0);
    const after = metric(server.metrics(), 'shardstream_decoded_images_total{encoding="png"}');
    await sleep(200);
    // nothing more is decoded, and less than the epoch (240) was. Not a bound of `readAhead`
    // batches: the socket buffers hold this whole tiny epoch, so what is decoded before the server
    // sees the close depends on the decoder's speed (5–13 batches of 10 with the decode pool)
    expect(metric(server.metrics(), 'shardstream_decoded_images_total{encoding="png"}')).toBe(after);
    expect(after - before).toBeLessThan(240);
    expect(metric(server.metrics(), 'shardstream_stream_errors_total{reason="client_gone"}')).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('a slow client', () => {
  it('keeps the server process memory bounded (RSS of the bin, sampled from /proc)', async () => {
    // 6000 raw 64×64×3 records: a 74 MB stream; the server may hold a few batches of 0.8 MB
    const set = await writeShardSet({ encoding: 'raw', height: 64, width: 64, partitions: [{ name: 'train', records: 6000, shards: 6 }] });
    const proc = await startServerProcess(['--data', set.dir, '--cache-mb', '8', '--read-ahead', '2', '--read-ahead-mb', '4', '--no-access-log']);
    try {
      // warm the server up with a short stream, then take the baseline
      await fetchStream(proc.url, { batch_size: 64, seed: 1, start_batch: 91 });
      await sleep(200);
      const baseline = proc.rssBytes();
      const res = await request(`${proc.url}/v1/stream?batch_size=64`);
      expect(res.headers['x-shardstream-batches']).toBe('93');
      const perm = permutation(6000, 0, 0);
      let expectedBytes = 0;
      for (let i = 0; i < 93 * 64; i++) expectedBytes += set.locate(perm[i]!).size;
      expect(expectedBytes).toBeGreaterThan(70e6);
      const it = res.body[Symbol.asyncIterator]();
      let received = (await it.next()).value?.length ?? 0;
      // the client reads nothing for 1.5 s; sample the server meanwhile
      let peak = 0;
      for (let i = 0; i < 15; i++) {
        await sleep(100);
        peak = Math.max(peak, proc.rssBytes());
      }
      const metrics = await (await fetch(`${proc.url}/metrics`)).text();
      const batchesWhilePaused = metric(metrics, 'shardstream_stream_batches_total{dataset="synth",format="records"}') - 2; // 2 from the warm-up
      // The server prepared only what the socket buffers and the read-ahead hold, not the stream:
      // a few of the 93 batches, and a few MB where buffering the stream would take 74 MB.
            expect(batchesWhilePaused).toBeLessThan(30);
      expect(peak - baseline).toBeLessThan(30 * 1024 * 1024);
      // then the client reads on, slowly, and gets every byte
      for (let r = await it.next(), n = 0; !r.done; r = await it.next(), n++) {
        received += r.value.length;
        if (n % 50 === 0) await sleep(5);
      }
            expect(received).toBe(expectedBytes);
    } finally {
      expect(await proc.stop('SIGTERM')).toBe(0);
      await set.cleanup();
    }
  });
});
