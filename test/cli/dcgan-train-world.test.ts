import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { train } from '../../src/train/trainer.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { tinyTrainOptions } from '../helpers/tiny-training.js';
import { runBin } from '../helpers/run-bin.js';

// dcgan-train averages no gradients across ranks, so --world > 1 trains separate models: it is
// refused unless the user says that is what they want (issue 15).

let set: SyntheticShardSet;
let out: string;

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'raw', height: 8, width: 8, channels: 3 });
  out = await mkdtemp(join(tmpdir(), 'world-'));
});

afterAll(async () => {
  await set?.cleanup();
  if (out) await rm(out, { recursive: true, force: true });
});

const tinyArgs = ['--partition', 'train', '--backend', 'cpu', '--size', '8', '--width-mult', '0.015625', '--noise-dim', '8', '--batch-size', '4', '--epochs', '1'];

describe('dcgan-train --world', () => {
  it('refuses --world 2 without --independent-replicas, saying why and what to use instead', async () => {
    const r = await runBin('dcgan-train', ['--data', set.dir, '--rank', '1', '--world', '2', ...tinyArgs, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: --world 2 would train 2 separate models, one per rank, each on its slice of every global batch: dcgan-train averages no gradients across ranks.');
    expect(r.stderr).toContain('Pass --independent-replicas');
    expect(r.stderr).toContain('PyTorch DDP with the Python client (clients/python');
    expect(r.stdout).toBe('');
  });

  it('with --independent-replicas, each rank trains its own model on half of every global batch', async () => {
    const r = await runBin('dcgan-train', ['--data', set.dir, '--rank', '1', '--world', '2', '--independent-replicas', ...tinyArgs, '--out', out]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    // 48 train records, global batch 4 × 2 = 8: 6 steps on each rank
    expect(r.stderr).toContain('48 records, 6 steps per epoch');
    expect(r.stdout).toContain('done: 1 epochs');
    const csv = (await readFile(join(out, 'synth-False', 'logs', 'synth-False-loss.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(2);
  });
});

describe('train({ world })', () => {
  it('throws InvalidParameterError naming world unless independentReplicas is true', async () => {
    const error = await train(tinyTrainOptions(set.dir, out, { world: 2 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as InvalidParameterError).param).toBe('world');
    expect((error as Error).message).toBe(
      'Expected 1 unless independentReplicas is true (each rank would train a separate model: nothing averages gradients across ranks; ' +
        'for one model on several processes use PyTorch DDP with clients/python) for world but received 2 of type number',
    );
  });
});
