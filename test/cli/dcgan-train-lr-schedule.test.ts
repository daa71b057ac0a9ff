import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { runBin } from '../helpers/run-bin.js';

let set: SyntheticShardSet;
let out: string;

beforeAll(async () => {
  set = await writeShardSet({ encoding: 'raw', height: 8, width: 8, channels: 1 });
  out = await mkdtemp(join(tmpdir(), 'lr-schedule-cli-'));
});

afterAll(async () => {
  await set?.cleanup();
  if (out) await rm(out, { recursive: true, force: true });
});

const tinyArgs = ['--partition', 'train', '--backend', 'cpu', '--size', '8', '--width-mult', '0.015625', '--noise-dim', '8', '--batch-size', '8', '--epochs', '2', '--steps-per-epoch', '2', '--lr', '0.01'];

/** The loss CSV's rows (after the header) of a tiny run with `schedule`. */
async function lossRows(schedule: string): Promise<string[]> {
  const dir = join(out, schedule);
  const r = await runBin('dcgan-train', ['--data', set.dir, ...tinyArgs, '--lr-schedule', schedule, '--out', dir]);
  expect(r.stderr).not.toContain('error');
  expect(r.code).toBe(0);
  return (await readFile(join(dir, 'synth-False', 'logs', 'synth-False-loss.csv'), 'utf8')).trim().split('\n').slice(1);
}

describe('dcgan-train --lr-schedule', () => {
  it('trains the first epoch at --lr under every schedule and the second at the schedule’s rate', async () => {
    const [step, linear] = [await lossRows('step'), await lossRows('linear')];
    expect(step).toHaveLength(2);
    expect(linear[0]).toBe(step[0]); // epoch 0: lr 0.01 under both
    expect(linear[1]).not.toBe(step[1]); // epoch 1: 0.005 under linear, still 0.01 under step
  });

  it('refuses an unknown schedule naming the option and the choices', async () => {
    const r = await runBin('dcgan-train', ['--data', set.dir, ...tinyArgs, '--lr-schedule', 'exponential', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--lr-schedule <s>' argument 'exponential' is invalid. Allowed choices are step, cosine, linear.");
  });

  it('records the schedule in the checkpoint and refuses to resume under another', async () => {
    const dir = join(out, 'resume');
    const first = await runBin('dcgan-train', ['--data', set.dir, ...tinyArgs, '--lr-schedule', 'cosine', '--out', dir]);
    expect(first.code).toBe(0);
    const latest = JSON.parse(await readFile(join(dir, 'synth-False', 'checkpoints', 'latest.json'), 'utf8')) as { checkpoint: string };
    const saved = JSON.parse(await readFile(join(dir, 'synth-False', 'checkpoints', latest.checkpoint, 'checkpoint.json'), 'utf8')) as { meta: unknown };
    expect(saved.meta).toMatchObject({ lrSchedule: 'cosine' });
    const again = await runBin('dcgan-train', ['--data', set.dir, ...tinyArgs, '--epochs', '3', '--lr-schedule', 'step', '--resume', '--out', dir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('checkpoint has lrSchedule "cosine", this run "step": resume with the same options');
  });
});
