import { expect } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import type { TensorRecord } from '../../src/train/gan-state.js';

/** The largest absolute difference between two lists of the same named tensors (their names must agree). */
export function maxDifference(a: readonly TensorRecord[], b: readonly TensorRecord[]): number {
  expect(b.map((r) => r.name)).toEqual(a.map((r) => r.name));
  let worst = 0;
  a.forEach((r, i) => r.values.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]!.values[j]!)))));
  return worst;
}

/**
 * The largest relative difference ‖a − b‖ / ‖a‖ (Euclidean norms) over two lists of the same named
 * tensors, leaving out those whose names start with one of `skip`.
 */
export function maxRelativeDifference(a: readonly TensorRecord[], b: readonly TensorRecord[], skip: ReadonlySet<string> = new Set()): number {
  expect(b.map((r) => r.name)).toEqual(a.map((r) => r.name));
  let worst = 0;
  a.forEach((r, i) => {
    if ([...skip].some((prefix) => r.name.startsWith(prefix))) return;
    let diff = 0;
    let norm = 0;
    r.values.forEach((v, j) => {
      diff += (v - b[i]!.values[j]!) ** 2;
      norm += v * v;
    });
    if (norm > 0) worst = Math.max(worst, Math.sqrt(diff / norm));
  });
  return worst;
}

/**
 * `<layer>/bias` of every layer that feeds a BatchNormalization layer, and that BN's moving mean
 * (which follows the bias). BN takes the mean out, so the bias's gradient is 0 in exact arithmetic
 * and in float only rounding noise (|g| ~ 1e-9), which Adam's normalized step turns into moves of
 * up to ~lr: such biases random-walk in any run, one thread or several, and two runs' walks differ.
 */
export function roundingNoiseWeights(...models: tf.LayersModel[]): Set<string> {
  const names = new Set<string>();
  for (const model of models) {
    model.layers.forEach((layer, i) => {
      const next = model.layers[i + 1];
      if (next?.getClassName() !== 'BatchNormalization') return;
      names.add(`${layer.name}/bias`);
      names.add(`${next.name}/moving_mean`);
    });
  }
  return names;
}
