/**
 * Issue 12, "also noticed": a client that reads steadily is alive whatever the size of a batch
 * (progress is the bytes the kernel takes from the socket, which Node's socket timeout checks
 * through the handle's write queue, not the end of a write: a batch of megabytes is one write);
 * one that stops reading is cut as `stalled`. What rate counts as alive is in docs/server.md.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';

const STALL_MS = 500;
/** 512 raw 64×64×3 records: one batch of 6.3 MB, more than the loopback socket buffers hold. */
const RECORDS = 512;
const RECORD_BYTES = 64 * 64 * 3;
let set: SyntheticShardSet;
let server: ShardServer;

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'raw', height: 64, width: 64, partitions: [{ name: 'train', records: RECORDS, shards: 2 }] });
  server = await createShardServer({ data: set.dir, port: 0, accessLog: false, log: () => undefined, stallTimeoutMs: STALL_MS });
});

afterAll(async () => {
  await server?.close();
  await set?.cleanup();
});

/**
 * GET `path` over a raw socket and read `bytesPerTick` every 50 ms (none when 0) until the
 * server closes, the chunked body ends, or `giveUpMs` passes (after `readAllAfterMs`, read
 * without limit). Resolves with what arrived and whether the chunked body ended.
 */
function slowRead(path: string, bytesPerTick: number, giveUpMs: number, readAllAfterMs?: number): Promise<{ bytes: number; ended: boolean; closedByServer: boolean }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let bytes = 0;
    let budget = 0;
    let tail = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      bytes += c.length;
      budget -= c.length;
      tail = Buffer.concat([tail, c]).subarray(-5);
      if (budget <= 0) socket.pause();
      // A keep-alive connection stays open after the body: its last chunk is the end.
      if (tail.toString('latin1') === '0\r\n\r\n') done(true);
    });
    socket.pause();
    const tick = setInterval(() => {
      budget = Math.max(budget, 0) + bytesPerTick;
      if (budget > 0) socket.resume();
    }, 50);
    let finished = false;
    const done = (closedByServer: boolean): void => {
      if (finished) return;
      finished = true;
      clearInterval(tick);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ bytes, ended: tail.toString('latin1') === '0\r\n\r\n', closedByServer });
    };
    const giveUp = setTimeout(() => done(false), giveUpMs);
    if (readAllAfterMs !== undefined) {
      setTimeout(() => {
        budget = Infinity;
        socket.resume();
      }, readAllAfterMs);
    }
    socket.on('error', () => undefined);
    socket.on('close', () => done(true));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

const stalled = (): number => Number(/^shardstream_stream_errors_total\{reason="stalled"\} (\d+)$/m.exec(server.metrics())?.[1] ?? 0);

describe('stall detection', () => {
  it(`a client reading 1 MB/s steadily gets a whole ${((RECORDS * RECORD_BYTES) / 1e6).toFixed(1)} MB batch (stall timeout ${STALL_MS} ms)`, async () => {
    const before = stalled();
    const r = await slowRead(`/v1/stream?batch_size=${RECORDS}`, 50_000, 30_000);
    expect(r.ended).toBe(true);
    expect(r.bytes).toBeGreaterThan(RECORDS * (RECORD_BYTES + 16));
    expect(stalled()).toBe(before);
  }, 40_000);

  it('a client that stops reading is cut after the stall timeout, counted as stalled, and its body has no end', async () => {
    const before = stalled();
    const started = Date.now();
    // reads nothing for 3 s (a paused socket sees no close), then everything
    const pending = slowRead(`/v1/stream?batch_size=${RECORDS}`, 0, 20_000, 3000);
    for (let i = 0; i < 400 && stalled() === before; i++) await new Promise((res) => setTimeout(res, 20));
    expect(stalled()).toBe(before + 1);
    expect(Date.now() - started).toBeLessThan(3000);
    const r = await pending;
    expect(r.closedByServer).toBe(true);
    expect(r.ended).toBe(false);
    expect(r.bytes).toBeLessThan(RECORDS * (RECORD_BYTES + 16));
  }, 30_000);
});
