import { describe, expect, it } from 'vitest';
import {
  arithmeticNoise,
  interpolateNoise,
  meanNoise,
  noiseForSeed,
  parseArithmeticTerms,
  parseSeedList,
  parseSeedPair,
  slerp,
  upscaleNearest,
} from '../../../src/index.js';

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('sample noise, walks and arithmetic (library API)', () => {
  it('noiseForSeed is a pure function of the seed and is standard normal', () => {
    expect(Array.from(noiseForSeed(7, 33))).toEqual(Array.from(noiseForSeed(7, 33)));
    expect(Array.from(noiseForSeed(7, 33))).not.toEqual(Array.from(noiseForSeed(8, 33)));
    // a shorter vector is the start of a longer one: the values come in Box–Muller pairs
    expect(Array.from(noiseForSeed(7, 10))).toEqual(Array.from(noiseForSeed(7, 33).subarray(0, 10)));
    const z = noiseForSeed(1, 20_000);
    const mean = z.reduce((s, x) => s + x, 0) / z.length;
    const variance = z.reduce((s, x) => s + (x - mean) ** 2, 0) / z.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(() => noiseForSeed(-1, 4)).toThrow('Expected an integer from 0 to 4294967295 for seed but received -1 of type number');
  });

  it('a walk starts and ends exactly at its two vectors; slerp keeps the length of equal-length ends', () => {
    const [a, b] = [noiseForSeed(3, 64), noiseForSeed(7, 64)];
    for (const path of ['slerp', 'linear'] as const) {
      const walk = interpolateNoise(a, b, 6, path);
      expect(walk).toHaveLength(6);
      expect(Array.from(walk[0]!)).toEqual(Array.from(a));
      expect(Array.from(walk[5]!)).toEqual(Array.from(b));
    }
    const bSameLength = b.map((x) => (x * norm(a)) / norm(b));
    const middle = slerp(a, bSameLength, 0.5);
    expect(norm(middle)).toBeCloseTo(norm(a), 3);
    // the straight line's middle is shorter (the "dead zone" near the origin that slerp avoids)
    expect(norm(interpolateNoise(a, bSameLength, 3, 'linear')[1]!)).toBeLessThan(norm(a) * 0.9);
    expect(() => interpolateNoise(a, b, 1)).toThrow('Expected an integer ≥ 2 for steps but received 1');
  });

  it('arithmetic: a one-seed term is that seed’s vector; a term of several is their mean; the result is A − B + C', () => {
    const r = arithmeticNoise([[3], [1, 2], [9]], 16);
    expect(Array.from(r.a)).toEqual(Array.from(noiseForSeed(3, 16)));
    expect(Array.from(r.c)).toEqual(Array.from(noiseForSeed(9, 16)));
    const [z1, z2] = [noiseForSeed(1, 16), noiseForSeed(2, 16)];
    r.b.forEach((v, i) => expect(v).toBeCloseTo((z1[i]! + z2[i]!) / 2, 6));
    r.result.forEach((v, i) => expect(v).toBeCloseTo(r.a[i]! - r.b[i]! + r.c[i]!, 6));
    expect(Array.from(meanNoise([5], 8))).toEqual(Array.from(noiseForSeed(5, 8)));
  });

  it('parses seed lists, pairs and arithmetic terms, naming the parameter of a bad one', () => {
    expect(parseSeedList('3,7,9')).toEqual([3, 7, 9]);
    expect(parseSeedList('0-3,9')).toEqual([0, 1, 2, 3, 9]);
    expect(parseSeedPair('4,4')).toEqual([4, 4]);
    expect(parseArithmeticTerms('1+5+9,2,3')).toEqual([[1, 5, 9], [2], [3]]);
    expect(() => parseSeedList('3,,4', '--seeds')).toThrow(/for --seeds but received "3,,4"/);
    expect(() => parseSeedList('4294967296')).toThrow(/for seeds but received "4294967296"/);
    expect(() => parseSeedList('0-20000')).toThrow('Expected at most 10000 seeds for seeds');
    expect(() => parseSeedPair('1,2,3', '--interpolate')).toThrow(/two seeds A,B like 3,7 for --interpolate/);
    expect(() => parseArithmeticTerms('1+2,3', '--arithmetic')).toThrow(/three terms A,B,C.* for --arithmetic/);
  });

  it('upscaleNearest repeats every pixel scale×scale', () => {
    const big = upscaleNearest({ images: Float32Array.from([1, 2, 3, 4]), shape: [1, 2, 2, 1] }, 2);
    expect(big.shape).toEqual([1, 4, 4, 1]);
    expect(Array.from(big.images)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });
});
