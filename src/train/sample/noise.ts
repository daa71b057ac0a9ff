import { InvalidParameterError } from '../../core/errors.js';
import { ShuffleRng } from '../../shards/shuffle.js';

/**
 * The second key of the project's PRNG ({@link ShuffleRng}, keyed by `(seed, stream)`) for sample
 * noise, so that a sample seed never draws the numbers of a shuffle epoch.
 */
export const SAMPLE_NOISE_STREAM = 0x5a4d_0001;

const TWO_32 = 2 ** 32;

/**
 * The noise vector of sample seed `seed`: `noiseDim` standard normal values from the project's
 * PRNG keyed by `(seed, SAMPLE_NOISE_STREAM)`, through Box–Muller (`u1 = (x + 1) / 2^32`,
 * `u2 = y / 2^32`, values `r·cos(2πu2)` then `r·sin(2πu2)`, `r = sqrt(−2 ln u1)`). The same seed
 * gives the same vector whatever the checkpoint, so one seed can be followed across epochs.
 */
export function noiseForSeed(seed: number, noiseDim: number): Float32Array {
  checkSeed('seed', seed);
  if (!Number.isSafeInteger(noiseDim) || noiseDim < 1) throw new InvalidParameterError('noiseDim', 'a positive integer', noiseDim);
  const rng = new ShuffleRng(seed, SAMPLE_NOISE_STREAM);
  const out = new Float32Array(noiseDim);
  for (let i = 0; i < noiseDim; i += 2) {
    const r = Math.sqrt(-2 * Math.log((rng.next() + 1) / TWO_32));
    const angle = (2 * Math.PI * rng.next()) / TWO_32;
    out[i] = r * Math.cos(angle);
    if (i + 1 < noiseDim) out[i + 1] = r * Math.sin(angle);
  }
  return out;
}

/** The mean of the noise vectors of `seeds` (one seed: exactly its vector), as the DCGAN paper averages three samples per concept. */
export function meanNoise(seeds: readonly number[], noiseDim: number): Float32Array {
  if (seeds.length === 0) throw new InvalidParameterError('seeds', 'at least one seed', []);
  const sum = new Float64Array(noiseDim);
  for (const seed of seeds) noiseForSeed(seed, noiseDim).forEach((v, i) => (sum[i] = sum[i]! + v));
  return Float32Array.from(sum, (v) => v / seeds.length);
}

/** Throws unless `seed` is an integer in [0, 2^32), the range the PRNG takes. */
export function checkSeed(param: string, seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed >= TWO_32) throw new InvalidParameterError(param, 'an integer from 0 to 4294967295', seed);
}
