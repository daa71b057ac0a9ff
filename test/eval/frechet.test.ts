import { describe, expect, it } from 'vitest';
import { featureStats, frechetDistance, type FeatureStats } from '../../src/eval/frechet.js';
import { symmetricEigen } from '../../src/eval/symmetric-eigen.js';

const stats = (mean: number[], covariance: number[][]): FeatureStats => ({ dims: mean.length, count: 100, mean: Float64Array.from(mean), covariance: Float64Array.from(covariance.flat()) });

// Covariances of a seeded numpy draw (A·Aᵀ + 0.1·I); the distance by numpy.linalg.eigh, as the
// module computes it, and cross-checked with the eigenvalues of Σ1Σ2: 4.474923050099724.
const S1 = [
  [1.003673468852, 0.441004975941, 0.412362864559],
  [0.441004975941, 2.817138274455, 1.388589024001],
  [0.412362864559, 1.388589024001, 0.858930060049],
];
const S2 = [
  [0.486216839121, -0.484826234475, 0.017379219184],
  [-0.484826234475, 0.901343305076, -0.30649481948],
  [0.017379219184, -0.30649481948, 0.545725583395],
];

describe('classifier FID: Fréchet distance of feature Gaussians', () => {
  it('matches numpy on full covariances', () => {
    expect(frechetDistance(stats([0.5, -1, 2], S1), stats([0, 0.25, 1.5], S2))).toBeCloseTo(4.474923050099724, 9);
  });

  it('is 0 for the same Gaussian and the closed form for diagonal covariances', () => {
    expect(frechetDistance(stats([1, 2, 3], S1), stats([1, 2, 3], S1))).toBeCloseTo(0, 9);
    // diagonal: Σ (σ1 + σ2 − 2√(σ1σ2)) + |μ1 − μ2|²
    const d = frechetDistance(stats([0, 0], [[4, 0], [0, 1]]), stats([3, 4], [[1, 0], [0, 9]]));
    expect(d).toBeCloseTo(25 + (4 + 1 - 2 * 2) + (1 + 9 - 2 * 3), 9);
  });

  it('takes the mean and the unbiased covariance of feature vectors', () => {
    const s = featureStats([1, 2, 3, 6, 5, 10], 2); // (1,2), (3,6), (5,10)
    expect([...s.mean]).toEqual([3, 6]);
    expect([...s.covariance]).toEqual([4, 8, 8, 16]);
    expect(s.count).toBe(3);
  });

  it('Jacobi eigen decomposition: A·v = λ·v for every pair, eigenvalues of a known matrix', () => {
    const a = S1.flat();
    const { values, vectors } = symmetricEigen(a, 3);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 3; i++) {
        let av = 0;
        for (let j = 0; j < 3; j++) av += a[i * 3 + j]! * vectors[j * 3 + k]!;
        expect(av).toBeCloseTo(values[k]! * vectors[i * 3 + k]!, 10);
      }
    }
    expect([...symmetricEigen([2, 1, 1, 2], 2).values].sort()).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)]);
  });
});
