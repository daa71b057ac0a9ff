import { meanNoise } from './noise.js';

/** The three terms of `z_A − z_B + z_C`, each the seeds whose noise vectors are averaged. */
export type ArithmeticTerms = readonly [readonly number[], readonly number[], readonly number[]];

/** The vectors of a latent arithmetic: the three terms and the result. */
export interface ArithmeticNoise {
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly c: Float32Array;
  /** `a − b + c`. */
  readonly result: Float32Array;
}

/**
 * The DCGAN paper's vector arithmetic (§6.3.2, "smiling woman − neutral woman + neutral man"):
 * each term is the mean noise vector of its seeds (the paper averages three samples per concept,
 * which it found stable where single samples were not), and the result is `z_A − z_B + z_C`.
 */
export function arithmeticNoise(terms: ArithmeticTerms, noiseDim: number): ArithmeticNoise {
  const [a, b, c] = terms.map((seeds) => meanNoise(seeds, noiseDim)) as [Float32Array, Float32Array, Float32Array];
  return { a, b, c, result: Float32Array.from(a, (v, i) => v - b[i]! + c[i]!) };
}
