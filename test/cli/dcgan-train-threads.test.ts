import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { runBin } from '../helpers/run-bin.js';

let set: SyntheticShardSet;
let out: string;

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'raw', height: 8, width: 8, channels: 3 });
  out = await mkdtemp(join(tmpdir(), 'threads-cli-'));
});

afterAll(async () => {
  await set?.cleanup();
  if (out) await rm(out, { recursive: true, force: true });
});

const tinyArgs = ['--partition', 'train', '--backend', 'cpu', '--size', '8', '--width-mult', '0.015625', '--noise-dim', '8', '--batch-size', '8', '--epochs', '1', '--steps-per-epoch', '2'];

describe('dcgan-train --threads', () => {
  it('trains on the threads asked for and says so on the backend line', async () => {
    const r = await runBin('dcgan-train', ['--data', set.dir, ...tinyArgs, '--threads', '2', '--out', out]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^backend: cpu \(pure JavaScript.*\) \[no GPU\], training on 2 threads$/m);
    expect(r.stdout).toContain('done: 1 epochs');
    const csv = (await readFile(join(out, 'synth-False', 'logs', 'synth-False-loss.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(2);
  });

  it('refuses --threads 0 naming the option', async () => {
    const r = await runBin('dcgan-train', ['--data', set.dir, ...tinyArgs, '--threads', '0', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--threads <n>' argument '0' is invalid");
  });
});
