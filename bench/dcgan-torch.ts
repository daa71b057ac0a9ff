/**
 * The Node side of bench/dcgan_torch.py: one long-lived Python process (torch is imported once)
 * that answers one JSON request a line, so that bench:train can interleave its PyTorch
 * measurements with the TensorFlow.js ones.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type * as tf from '@tensorflow/tfjs';

/** One measurement: a fresh model pair, a warm-up step, then `steps` timed steps. */
export interface TorchRequest {
  size: number;
  channels: number;
  noiseDim: number;
  /** The generator's hidden widths (hiddenWidths of src/train/model-options.ts). */
  widths: number[];
  batch: number;
  steps: number;
  /** torch.set_num_threads. */
  threads: number;
  seed: number;
}

/** Weight counts of the PyTorch model pair, counted as tfjs counts them. */
export interface TorchParams {
  generatorTrainable: number;
  generatorMoving: number;
  discriminatorTrainable: number;
  discriminatorMoving: number;
}

/** Weight counts of our model pair, in the terms of {@link TorchParams}. */
export function dcganWeightCounts(generator: tf.LayersModel, discriminator: tf.LayersModel): TorchParams {
  const count = (ws: tf.LayerVariable[]): number => ws.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  return {
    generatorTrainable: count(generator.trainableWeights),
    generatorMoving: count(generator.nonTrainableWeights),
    discriminatorTrainable: count(discriminator.trainableWeights),
    discriminatorMoving: count(discriminator.nonTrainableWeights),
  };
}

/** The answer to a {@link TorchRequest}. */
export interface TorchResult {
  imagesPerSecond: number;
  params: TorchParams;
  threads: number;
}

/** A running bench/dcgan_torch.py. */
export interface TorchYardstick {
  measure(request: TorchRequest): Promise<TorchResult>;
  close(): void;
}

/**
 * Starts bench/dcgan_torch.py under `python`, or returns why it cannot (`python` missing or
 * without torch), for the bench to print as a note instead of the PyTorch rows.
 */
export function startTorchYardstick(python: string, root: string): TorchYardstick | { skipped: string } {
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    const why = probe.error?.message ?? probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`;
    return { skipped: `${python} cannot import torch (${why})` };
  }
  const child: ChildProcessWithoutNullStreams = spawn(python, [join(root, 'bench', 'dcgan_torch.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waiting: Array<{ resolve(line: string): void; reject(error: Error): void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`bench/dcgan_torch.py exited with ${code}: ${stderr.trim()}`));
  });
  return {
    async measure(request) {
      const line = await new Promise<string>((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify(request)}\n`);
      });
      const answer = JSON.parse(line) as TorchResult | { error: string };
      if ('error' in answer) throw new Error(`bench/dcgan_torch.py, request ${JSON.stringify(request)}: ${answer.error}`);
      return answer;
    },
    close() {
      child.stdin.end();
    },
  };
}
