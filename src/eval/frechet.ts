import { symmetricEigen } from './symmetric-eigen.js';
import { OutOfRangeError } from '../core/errors.js';

/** Mean and covariance of a set of feature vectors. */
export interface FeatureStats {
  /** Feature length. */
  readonly dims: number;
  /** Number of vectors they were taken from. */
  readonly count: number;
  readonly mean: Float64Array;
  /** Row-major dims×dims, unbiased (divided by count − 1), as numpy's `np.cov`. */
  readonly covariance: Float64Array;
}

/** Mean and covariance of `count` vectors of length `dims`, stored back to back in `features`. */
export function featureStats(features: ArrayLike<number>, dims: number): FeatureStats {
  const count = Math.floor(features.length / dims);
  if (count < 2 || count * dims !== features.length) throw new OutOfRangeError('features', `featureStats: ${features.length} values are not ≥ 2 vectors of ${dims}`);
  const mean = new Float64Array(dims);
  for (let n = 0; n < count; n++) for (let i = 0; i < dims; i++) mean[i]! += features[n * dims + i]!;
  for (let i = 0; i < dims; i++) mean[i]! /= count;
  const covariance = new Float64Array(dims * dims);
  const centred = new Float64Array(dims);
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < dims; i++) centred[i] = features[n * dims + i]! - mean[i]!;
    for (let i = 0; i < dims; i++) {
      const ci = centred[i]!;
      for (let j = i; j < dims; j++) covariance[i * dims + j]! += ci * centred[j]!;
    }
  }
  for (let i = 0; i < dims; i++) {
    for (let j = i; j < dims; j++) {
      const c = covariance[i * dims + j]! / (count - 1);
      covariance[i * dims + j] = c;
      covariance[j * dims + i] = c;
    }
  }
  return { dims, count, mean, covariance };
}

/**
 * Fréchet distance between two Gaussians fitted to features, the formula of FID:
 * |μ1 − μ2|² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½). Σ1Σ2 is not symmetric, but it is similar to
 * Σ1^½ Σ2 Σ1^½, which is, so Tr((Σ1Σ2)^½) = Σ √eig(Σ1^½ Σ2 Σ1^½), both from Jacobi
 * eigen decompositions (negative rounding noise in the eigenvalues is clipped to 0).
 */
export function frechetDistance(a: FeatureStats, b: FeatureStats): number {
  const d = a.dims;
  if (b.dims !== d) throw new OutOfRangeError('b', `frechetDistance: features of ${a.dims} and ${b.dims} dims`);
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
  let traces = 0;
  for (let i = 0; i < d; i++) traces += a.covariance[i * d + i]! + b.covariance[i * d + i]!;
  const rootA = symmetricSqrt(a.covariance, d);
  const inner = multiply(multiply(rootA, b.covariance, d), rootA, d);
  let traceRoot = 0;
  for (const value of symmetricEigen(inner, d).values) traceRoot += Math.sqrt(Math.max(0, value));
  return Math.max(0, meanTerm + traces - 2 * traceRoot);
}

/** The principal square root V·diag(√λ)·Vᵀ of a symmetric positive semi-definite matrix. */
function symmetricSqrt(matrix: Float64Array, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const root = Math.sqrt(Math.max(0, values[k]!));
    if (root === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k]! * root;
      for (let j = 0; j < d; j++) out[i * d + j]! += vik * vectors[j * d + k]!;
    }
  }
  return out;
}

function multiply(x: Float64Array, y: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const xik = x[i * d + k]!;
      if (xik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j]! += xik * y[k * d + j]!;
    }
  }
  return out;
}
