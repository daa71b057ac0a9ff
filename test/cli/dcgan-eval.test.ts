import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DigitEvaluation } from '../../src/eval/evaluate.js';
import { writeShardSet, type SyntheticShardSet } from '../helpers/shard-set.js';
import { runBin } from '../helpers/run-bin.js';

// One MNIST shard set at 16×16 (the whole bundled MNIST: 4 s) and one digit classifier, trained
// by the first test with fewer steps than the default and then taken from the cache by the others.
const CLASSIFIER_STEPS = '800';

let base: string;
let mnist: string;
let synth: SyntheticShardSet;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'dcgan-eval-'));
  mnist = join(base, 'mnist-16');
  const r = await runBin('mnist-convert', ['-q', '--out', mnist, '--size', '16', '--format', 'raw']);
  expect(r.code, r.stderr).toBe(0);
  synth = await writeShardSet({ encoding: 'raw', height: 16, width: 16, channels: 1 });
}, 120_000);

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
  await synth?.cleanup();
});

const evalJson = async (args: readonly string[]): Promise<DigitEvaluation> => {
  const r = await runBin('dcgan-eval', [...args, '--classifier-steps', CLASSIFIER_STEPS, '--backend', 'wasm', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DigitEvaluation;
};

describe('dcgan-eval', () => {
  it('scores real test digits ≥ 90 % recognised with all 10 present; the classifier is trained, measured and cached', async () => {
    const report = await evalJson(['--real', '--data', mnist]);
    expect(report.subject).toBe('real');
    expect(report.classifier.trained).toBe(true);
    expect(report.classifier.testImages).toBe(10_000);
    expect(report.classifier.testAccuracy).toBeGreaterThanOrEqual(0.97);
    expect(report.score.images).toBe(2000);
    expect(report.score.recognised).toBeGreaterThanOrEqual(0.9);
    expect(report.score.digitsPresent).toBe(10);
    expect(report.score.entropy).toBeGreaterThan(2.2);
    expect(report.score.entropy).toBeLessThanOrEqual(Math.log(10) + 1e-9);
    // two halves of the real test digits are close in the classifier's features
    expect(report.score.fid).toBeLessThan(10);
    expect(existsSync(join(mnist, '.classifier', '16', 'model.json'))).toBe(true);
  }, 600_000);

  it('scores pure noise images near 0 % recognised, far from real digits, with the cached classifier', async () => {
    const report = await evalJson(['--noise', '--data', mnist, '--n', '1000']);
    expect(report.classifier.trained).toBe(false);
    expect(report.score.images).toBe(1000);
    expect(report.score.recognised).toBeLessThan(0.1);
    expect(report.score.digitsPresent).toBeLessThanOrEqual(1);
    expect(report.score.fid).toBeGreaterThan(10 * report.real.fid);
  }, 300_000);

  it('dcgan-train --eval-every 1 writes one eval row per epoch beside an unchanged loss CSV, and the plot; dcgan-eval scores the run with its recorded data', async () => {
    const out = join(base, 'runs');
    const train = await runBin('dcgan-train', [
      '--data', mnist, '--size', '16', '--width-mult', '0.015625', '--noise-dim', '8', '--batch-size', '8',
      '--epochs', '2', '--steps-per-epoch', '2', '--backend', 'cpu', '--out', out,
      '--eval-every', '1', '--eval-images', '200', '--eval-classifier-steps', CLASSIFIER_STEPS,
    ]);
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/real test digits \(the ceiling\): recognised \d+\.\d %/);
    expect(train.stderr).toMatch(/epoch 2 score: recognised/);
    const run = join(out, 'MNIST-False');
    const loss = (await readFile(join(run, 'logs', 'MNIST-False-loss.csv'), 'utf8')).trim().split('\n');
    expect(loss[0]).toBe('epoch,Real_P,Fake_P,Gen_loss,Dis_loss');
    expect(loss.slice(1).map((l) => l.split(',').length)).toEqual([5, 5]);
    const rows = (await readFile(join(run, 'logs', 'MNIST-False-eval.csv'), 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('epoch,recognised,digits_present,entropy_nats,classifier_fid,images');
    expect(rows.slice(1).map((l) => l.split(',')[0])).toEqual(['0', '1']);
    for (const row of rows.slice(1)) {
      const [, recognised, digits, entropy, fid, images] = row.split(',').map(Number);
      expect(recognised).toBeGreaterThanOrEqual(0);
      expect(recognised).toBeLessThanOrEqual(1);
      expect(digits).toBeLessThanOrEqual(10);
      expect(entropy).toBeLessThanOrEqual(Math.log(10) + 1e-3);
      expect(fid).toBeGreaterThan(0);
      expect(images).toBe(200);
    }
    expect(existsSync(join(run, 'plot', 'MNIST-False-eval.png'))).toBe(true);

    // the run folder: its newest checkpoint, and the shard set it recorded (no --data)
    const report = await evalJson([run, '--n', '300']);
    expect(report.subject).toBe('generator');
    expect(report.data).toBe(mnist);
    expect(report.size).toBe(16);
    expect(report.generator).toBe(join(run, 'checkpoints', 'epoch-002', 'generator', 'model.json'));
    expect(report.score.images).toBe(300);
    // an untrained 1/64-width generator draws no digits
    expect(report.score.recognised).toBeLessThan(0.5);
  }, 600_000);

  it('says what is wrong: not MNIST, no checkpoint, a size that is not the generator’s, a missing --data', async () => {
    const notMnist = await runBin('dcgan-eval', ['--real', '--data', synth.dir]);
    expect(notMnist.code).toBe(1);
    expect(notMnist.stderr).toContain(`${join(synth.dir, 'manifest.json')}: not an MNIST shard set (dataset "synth")`);

    const missing = await runBin('dcgan-eval', [join(base, 'nowhere'), '--data', mnist]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(base, 'nowhere')}: no such file or folder`);

    const run = join(base, 'runs', 'MNIST-False');
    const size = await runBin('dcgan-eval', [run, '--size', '32', '--classifier-steps', CLASSIFIER_STEPS]);
    expect(size.code).toBe(1);
    expect(size.stderr).toContain("Expected the generator's size 16 (or none) for size but received 32");

    const noData = await runBin('dcgan-eval', ['--real']);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toContain('--real needs --data <dir>');
  }, 120_000);
});
