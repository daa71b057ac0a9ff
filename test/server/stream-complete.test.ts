/**
 * Issue 12, defect 9 (server half): a stream tells a complete body from a cut one with plain
 * tools. `X-Shardstream-Body-Records` says how many TFRecord records the whole body holds, and
 * a stream cut mid-way (bad data, server closing) never ends like a complete one: `curl` exits
 * non-zero.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShardServer, type ShardServer } from '../../src/server/index.js';
import { permutation } from '../../src/shards/shuffle.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { fetchStream, recordsOf } from './stream-helpers.js';

const run = promisify(execFile);
const N = 64; // 48 train + 16 val
let tmp: string;
let good: SyntheticShardSet;
let bad: SyntheticShardSet;
let server: ShardServer;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'shardstream-complete-'));
  const data = join(tmp, 'data');
  await mkdir(join(data, 'good'), { recursive: true });
  await mkdir(join(data, 'bad'));
  good = await writeShardSet({ dir: join(data, 'good'), dataset: 'good', encoding: 'raw' });
  bad = await writeShardSet({ dir: join(data, 'bad'), dataset: 'bad', encoding: 'raw' });
  await bad.corruptRecord(20);
  server = await createShardServer({ data, port: 0, accessLog: false, log: () => undefined });
});

afterAll(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** `curl --fail -sS -D headers -o body URL`: exit code, the body-records header (read with awk, as the README does), the body. */
async function curl(url: string, extra: readonly string[] = [], started?: (child: ChildProcess) => void): Promise<{ code: number; header: string; body: Buffer }> {
  const headers = join(tmp, 'headers.txt');
  const body = join(tmp, 'body.tfrecord');
  await rm(headers, { force: true });
  await rm(body, { force: true });
  const code = await new Promise<number>((resolve) => {
    const child = spawn('curl', ['--fail', '-sS', '-D', headers, '-o', body, ...extra, url], { stdio: 'ignore' });
    child.once('exit', (c) => resolve(c ?? -1));
    started?.(child);
  });
  const { stdout } = await run('sh', ['-c', `tr -d '\\r' < "$1" | awk -F': *' 'tolower($1) == "x-shardstream-body-records" { print $2 }'`, 'sh', headers]);
  return { code, header: stdout.trim(), body: await readFile(body).catch(() => Buffer.alloc(0)) };
}

describe('X-Shardstream-Body-Records: the records of the whole body', () => {
  const cases: Record<string, string | number | boolean>[] = [
    { batch_size: 5 },
    { batch_size: 5, drop_remainder: false },
    { batch_size: 5, start_batch: 7 },
    { batch_size: 64 },
    { batch_size: 64, start_batch: 1 },
    { batch_size: 5, world: 3, rank: 2, drop_remainder: false },
    // ranks 0..7 get an empty last batch: nothing on the wire in records, one record in tensor format
    { batch_size: 7, world: 9, rank: 0, drop_remainder: false },
    { batch_size: 3, partitions: 'val', seed: 9, epoch: 4 },
  ];
  for (const format of ['records', 'tensor'] as const) {
    for (const params of cases) {
      it(`${format} ${JSON.stringify(params)}`, async () => {
        const res = await fetchStream(server.url, { dataset: 'good', format, ...params });
        expect(res.status).toBe(200);
        const records = await recordsOf(res.body);
        expect(res.headers['x-shardstream-body-records']).toBe(String(records.length));
        // the existing header keeps its meaning: records of the requested partitions
        expect(res.headers['x-shardstream-records']).toBe(params['partitions'] === 'val' ? '16' : String(N));
      });
    }
  }
});

describe('a complete stream and a cut one are told apart with curl', () => {
  it('a complete stream: curl exits 0 and the body holds the header\'s count', async () => {
    const r = await curl(`${server.url}/v1/stream?dataset=good&batch_size=5&seed=1`);
    expect(r.code).toBe(0);
    expect(r.header).toBe('60');
    expect((await recordsOf(r.body)).length).toBe(60);
  });

  it('a stream cut by a corrupt record in a later batch: curl exits non-zero, the body is short of the header\'s count', async () => {
    const k = Math.floor(permutation(N, 0, 0).indexOf(20) / 4);
    expect(k).toBeGreaterThan(0);
    const r = await curl(`${server.url}/v1/stream?dataset=bad&batch_size=4`);
    expect(r.code).not.toBe(0);
    expect(r.header).toBe('64');
    // the batches before the bad one arrived whole: a cut at a batch boundary
    expect((await recordsOf(r.body)).length).toBe(4 * k);
  });

  it('a stream cut because the server closes: curl exits non-zero', async () => {
    // 25 MB: more than the loopback socket buffers hold, so the server is still writing when it closes
    const big = await writeShardSet({ dataset: 'big', encoding: 'raw', height: 64, width: 64, partitions: [{ name: 'train', records: 2048, shards: 2 }] });
    const s = await createShardServer({ data: big.dir, port: 0, accessLog: false, log: () => undefined });
    try {
      let child: ChildProcess | undefined;
      const pending = curl(`${s.url}/v1/stream?batch_size=16`, [], (c) => (child = c));
      for (let i = 0; i < 200 && s.stats().activeStreams === 0; i++) await new Promise((r) => setTimeout(r, 10));
      // curl stops reading: the server's writes wait on a full socket
      child!.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 300));
      expect(s.stats().activeStreams).toBe(1);
      await s.close();
      child!.kill('SIGCONT');
      const r = await pending;
      expect(r.code).not.toBe(0);
      expect(r.header).toBe('2048');
      expect(r.body.length).toBeLessThan(2048 * (64 * 64 * 3 + 16));
    } finally {
      await s.close();
      await big.cleanup();
    }
  });
});
