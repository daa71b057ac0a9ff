/**
 * A 32-bit seed derived from a base seed and stream labels (step number, purpose, layer
 * index...), so every random draw of a run is a pure function of the run's seed and where
 * it happens: resuming at step k draws exactly what an uninterrupted run draws at step k.
 * Mixing is MurmurHash3's 32-bit finalizer applied after each part.
 */
export function deriveSeed(base: number, ...parts: number[]): number {
  let h = mix32(toUint32(base) ^ 0x9e3779b9);
  for (const part of parts) h = mix32((h ^ toUint32(part)) + 0x9e3779b9);
  return h;
}

/** Labels of the random streams a training step draws from. */
export const SeedStream = {
  init: 1,
  noise: 2,
  dropoutReal: 3,
  dropoutFake: 4,
} as const;

function toUint32(n: number): number {
  // Seeds may exceed 32 bits (a step count times something): fold the high part in.
  const high = Math.floor(n / 0x1_0000_0000);
  return (n ^ Math.imul(high, 0x85ebca6b)) >>> 0;
}

function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
