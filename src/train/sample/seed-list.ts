import { InvalidParameterError } from '../../core/errors.js';
import type { ArithmeticTerms } from './latent-arithmetic.js';
import { checkSeed } from './noise.js';

/** The most seeds one list may name (a range like `0-4294967295` would otherwise exhaust memory). */
export const MAX_SEEDS = 10_000;

const SEED = /^\d{1,10}$/;

/** Seeds from text like `3,7,9`, `0-15` or `0-3,9` (ranges inclusive), in the order written. */
export function parseSeedList(text: string, param = 'seeds'): number[] {
  const expected = 'seeds like 3,7,9 or 0-15 (integers from 0 to 4294967295, ranges inclusive)';
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(part.trim());
    if (range) {
      const [from, to] = [seedOf(range[1]!, param, text, expected), seedOf(range[2]!, param, text, expected)];
      if (to < from) throw new InvalidParameterError(param, `${expected}; a range goes up`, text);
      if (seeds.length + to - from + 1 > MAX_SEEDS) throw new InvalidParameterError(param, `at most ${MAX_SEEDS} seeds`, text);
      for (let s = from; s <= to; s++) seeds.push(s);
    } else {
      seeds.push(seedOf(part, param, text, expected));
      if (seeds.length > MAX_SEEDS) throw new InvalidParameterError(param, `at most ${MAX_SEEDS} seeds`, text);
    }
  }
  return seeds;
}

/** Two seeds `A,B` (the ends of a latent walk). */
export function parseSeedPair(text: string, param = 'interpolate'): [number, number] {
  const expected = 'two seeds A,B like 3,7';
  const parts = text.split(',');
  if (parts.length !== 2) throw new InvalidParameterError(param, expected, text);
  return [seedOf(parts[0]!, param, text, expected), seedOf(parts[1]!, param, text, expected)];
}

/**
 * The three terms of `z_A − z_B + z_C` from `A,B,C`, where a term is one seed or several joined by
 * `+` (their mean vector): `1+5+9,2+4+6,3`. `+` and `,` pass through every common shell unquoted.
 */
export function parseArithmeticTerms(text: string, param = 'arithmetic'): ArithmeticTerms {
  const expected = 'three terms A,B,C, each a seed or seeds joined by + (their mean), like 1+5+9,2,3';
  const parts = text.split(',');
  if (parts.length !== 3) throw new InvalidParameterError(param, expected, text);
  return parts.map((term) => term.split('+').map((s) => seedOf(s, param, text, expected))) as unknown as ArithmeticTerms;
}

function seedOf(part: string, param: string, text: string, expected: string): number {
  const s = part.trim();
  if (!SEED.test(s)) throw new InvalidParameterError(param, expected, text);
  const seed = Number(s);
  try {
    checkSeed(param, seed);
  } catch {
    throw new InvalidParameterError(param, expected, text);
  }
  return seed;
}
