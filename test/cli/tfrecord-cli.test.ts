import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeRecords } from '../../src/tfrecord/framing.js';
import { bytesFeature, encodeExample, int64Feature } from '../../src/tfrecord/example/index.js';
import { runBin } from '../helpers/run-bin.js';

let dir: string;
let good: string;
let offsets: number[];
let fileLength: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfrecord-cli-'));
  const records = Array.from({ length: 5 }, (_, i) => encodeExample({ id: int64Feature(i), name: bytesFeature(`n${i}`) }));
  offsets = records.reduce<number[]>((acc, r, i) => [...acc, i === 0 ? 0 : acc[i - 1]! + records[i - 1]!.length + 16], []);
  good = join(dir, 'good.tfrecord');
  const bytes = encodeRecords(records);
  fileLength = bytes.length;
  await writeFile(good, bytes);
});

describe('tfrecord CLI', () => {
  it('cat prints canonical JSON per record, honours --limit, reads gzip', async () => {
    const r = await runBin('tfrecord', ['cat', good, '--limit', '2']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual(
      [0, 1].map((i) => ({ features: { feature: { id: { int64List: { value: [String(i)] } }, name: { bytesList: { value: [Buffer.from(`n${i}`).toString('base64')] } } } } })),
    );
    const gz = join(dir, 'good.tfrecord.gz');
    await writeFile(gz, gzipSync(await readFile(good)));
    const z = await runBin('tfrecord', ['cat', gz]);
    expect(z.stdout.trim().split('\n')).toHaveLength(5);
    const forced = await runBin('tfrecord', ['cat', '--compression', 'gzip', gz]);
    expect(forced.stdout).toBe(z.stdout);
  });

  it('count prints per-file counts and a total', async () => {
    expect((await runBin('tfrecord', ['count', good])).stdout).toBe('5\n');
    const r = await runBin('tfrecord', ['count', good, good]);
    expect(r.stdout).toBe(`5\t${good}\n5\t${good}\n10\ttotal\n`);
  });

  it('verify exits 0 on good files and 1 with every bad record named', async () => {
    const ok = await runBin('tfrecord', ['verify', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('1 files, 5 good records, 0 corrupt records');
    const bad = join(dir, 'bad.tfrecord');
    const bytes = Buffer.from(await readFile(good));
    bytes[offsets[1]! + 14]! ^= 0x10;
    bytes[offsets[3]! + 2]! ^= 0x01;
    await writeFile(bad, bytes);
    const r = await runBin('tfrecord', ['verify', good, bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad} @ byte ${offsets[1]}: record 1: data CRC mismatch`);
    expect(r.stderr).toContain(`${bad} @ byte ${offsets[3]}: record 3: length CRC mismatch`);
    expect(r.stdout).toContain('2 files, 8 good records, 2 corrupt records in 1 files');
    const truncated = join(dir, 'truncated.tfrecord');
    await writeFile(truncated, (await readFile(good)).subarray(0, offsets[4]! + 5));
    const t = await runBin('tfrecord', ['verify', truncated]);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain(`${truncated} @ byte ${offsets[4]}: record 4: truncated header`);
  });

  it('index writes the tfrecord2idx format and --check compares', async () => {
    const f = join(dir, 'indexed.tfrecord');
    await copyFile(good, f);
    const w = await runBin('tfrecord', ['index', f]);
    expect(w.code).toBe(0);
    const ends = [...offsets.slice(1), fileLength];
    expect(await readFile(`${f}.index`, 'utf8')).toBe(offsets.map((o, i) => `${o} ${ends[i]! - o}\n`).join(''));
    expect((await runBin('tfrecord', ['index', '--check', f])).code).toBe(0);
    await writeFile(`${f}.index`, '0 1\n');
    const c = await runBin('tfrecord', ['index', '--check', f]);
    expect(c.code).toBe(1);
    expect(c.stdout).toContain('DIFFERS');
  });

  it('exits 2 on usage errors and prints help for each command', async () => {
    for (const args of [['cat'], ['frobnicate'], ['cat', '--limit', 'x', good], ['cat', '--compression', 'lz4', good], ['verify', '--nope', good]]) {
      const r = await runBin('tfrecord', args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/error/);
    }
    for (const cmd of ['cat', 'count', 'verify', 'index']) {
      const r = await runBin('tfrecord', [cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: tfrecord ${cmd}`);
    }
    expect((await runBin('tfrecord', ['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('fails with exit 1 and the path when a file is missing', async () => {
    const r = await runBin('tfrecord', ['count', join(dir, 'missing.tfrecord')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing.tfrecord');
    expect(r.stderr).not.toContain('    at ');
  });
});
