import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/run-bin.js';
import { startServerProcess } from '../helpers/server-process.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { fetchStream, synthIds } from './stream-helpers.js';
import { batchRecordIds, permutation } from '../../src/shards/shuffle.js';

let set: SyntheticShardSet;

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'png' });
});

afterAll(async () => {
  await set?.cleanup();
});

const run = (args: string[]) => runBin('shard-server', args);

describe('shard-server bin', () => {
  it('--port 0 prints the real URL, the datasets and record counts; serves; SIGTERM closes cleanly', async () => {
    const proc = await startServerProcess(['--data', set.dir]);
    try {
      expect(proc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(proc.url).not.toMatch(/:0$/);
      expect(proc.stdout()).toContain(`dataset synth: 64 records (train 48 in 3 shards, val 16 in 2 shards) from ${set.dir}`);
      const res = await fetchStream(proc.url, { batch_size: 16, seed: 8 });
      expect(res.status).toBe(200);
      const perm = permutation(64, 8, 0);
      expect(await synthIds(res.body)).toEqual([0, 1, 2, 3].flatMap((k) => [...batchRecordIds(perm, { records: 64, batchSize: 16 }, k)]));
      // one access-log line per request on stdout (written when the response closes)
      for (let i = 0; i < 100 && !proc.stdout().includes('"GET /v1/stream'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(proc.stdout()).toMatch(/127\.0\.0\.1 "GET \/v1\/stream\?batch_size=16&seed=8" 200 \d+ [\d.]+ms/);
    } finally {
      expect(await proc.stop('SIGTERM')).toBe(0);
    }
    expect(proc.stdout()).toMatch(/SIGTERM, closing\nshard-server: closed\n$/);
  });

  it('SIGINT during a stream cuts it and exits 0', async () => {
    const proc = await startServerProcess(['--data', set.dir, '--no-access-log']);
    const res = await request(`${proc.url}/v1/stream?batch_size=1&format=tensor`);
    await res.body[Symbol.asyncIterator]().next();
    const body = res.body.arrayBuffer().then(
      () => 'ended',
      () => 'cut',
    );
    expect(await proc.stop('SIGINT')).toBe(0);
    expect(['ended', 'cut']).toContain(await body);
    expect(proc.stdout()).toContain('SIGINT, closing');
  });

  it('--preload reads every dataset that fits into the record cache: the first epoch is all cache hits', async () => {
    const metric = async (url: string, name: string): Promise<number> => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
    const bytes = set.manifest.partitions.reduce((n, p) => n + p.shards.reduce((m, x) => m + x.bytes, 0), 0);
    const proc = await startServerProcess(['--data', set.dir, '--no-access-log', '--preload']);
    const tooSmall = await startServerProcess(['--data', set.dir, '--no-access-log', '--preload', '--cache-mb', '0']);
    try {
      for (let i = 0; i < 250 && !proc.stderr().includes('preloaded'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(proc.stderr()).toMatch(new RegExp(`shard-server: dataset synth preloaded: 64 records, ${(bytes / 1e6).toFixed(1)} MB in [\\d.]+ s\n`));
      expect(await metric(proc.url, 'shardstream_disk_read_bytes_total')).toBe(bytes);
      const res = await fetchStream(proc.url, { batch_size: 16, seed: 3 });
      expect(await synthIds(res.body)).toHaveLength(64);
      expect(await metric(proc.url, 'shardstream_record_cache_misses_total')).toBe(0);
      expect(await metric(proc.url, 'shardstream_record_cache_hits_total')).toBe(64);
      expect(await metric(proc.url, 'shardstream_disk_read_bytes_total')).toBe(bytes);
      for (let i = 0; i < 250 && !tooSmall.stderr().includes('preloaded'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(tooSmall.stderr()).toContain(`dataset synth not preloaded: its ${(bytes / 1e6).toFixed(1)} MB do not fit in the 0.0 MB of record cache left (--cache-mb)`);
    } finally {
      expect(await proc.stop('SIGTERM')).toBe(0);
      expect(await tooSmall.stop('SIGTERM')).toBe(0);
    }
  });

  it('takes the token from SHARDSTREAM_TOKEN', async () => {
    const proc = await startServerProcess(['--data', set.dir], { SHARDSTREAM_TOKEN: 'from-env' });
    try {
      expect(proc.stdout()).toContain('(bearer token required)');
      expect(proc.stdout()).not.toContain('from-env');
      expect((await fetch(`${proc.url}/v1/manifest`)).status).toBe(401);
      expect((await fetch(`${proc.url}/v1/manifest`, { headers: { authorization: 'Bearer from-env' } })).status).toBe(200);
      expect((await fetch(`${proc.url}/healthz`)).status).toBe(200);
    } finally {
      await proc.stop();
    }
  });

  it('exits 2 on usage errors and 1 on a data folder without a shard set', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'shardstream-empty-'));
    try {
      const [missing, badPort, none, help] = await Promise.all([run([]), run(['--data', set.dir, '--port', 'abc']), run(['--data', empty, '--port', '0']), run(['--help'])]);
      // every option of --help is in the docs' option table
      const doc = await readFile(join(process.cwd(), 'docs', 'server.md'), 'utf8');
      const flags = [...help.stdout.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!).filter((f) => f !== '--help' && f !== '--version');
      expect(flags.length).toBeGreaterThan(10);
      for (const f of flags) expect(doc).toMatch(new RegExp(`^\\| \`[^|\`]*${f}[ \`]`, 'm'));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/required option '-d, --data <dir>' not specified/);
      expect(badPort.code).toBe(2);
      expect(badPort.stderr).toMatch(/--port/);
      expect(none.code).toBe(1);
      expect(none.stderr).toBe(`error: ${empty}: holds no manifest.json, neither at its root nor in a sub-folder\n`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
