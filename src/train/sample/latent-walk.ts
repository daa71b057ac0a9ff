import { InvalidParameterError } from '../../core/errors.js';

/** How a latent walk goes from one noise vector to the other. */
export type LatentPath = 'slerp' | 'linear';

/** The accepted values of {@link LatentPath}; `slerp` (spherical, as White 2016, "Sampling Generative Networks", recommends for Gaussian noise) first. */
export const LATENT_PATHS: readonly LatentPath[] = ['slerp', 'linear'];

/**
 * `steps` noise vectors from `a` to `b` at t = k/(steps−1): on the great circle through them
 * (`slerp`, which keeps a Gaussian vector's typical length, so the middle images are as sharp as
 * the ends) or on the straight line (`linear`). The first is exactly `a`, the last exactly `b`.
 */
export function interpolateNoise(a: Float32Array, b: Float32Array, steps: number, path: LatentPath = 'slerp'): Float32Array[] {
  if (a.length !== b.length) throw new InvalidParameterError('b', `a noise vector of length ${a.length}`, b.length);
  if (!Number.isSafeInteger(steps) || steps < 2) throw new InvalidParameterError('steps', 'an integer ≥ 2', steps);
  if (!LATENT_PATHS.includes(path)) throw new InvalidParameterError('path', `one of ${LATENT_PATHS.join(', ')}`, path);
  return Array.from({ length: steps }, (_, k) => {
    if (k === 0) return Float32Array.from(a);
    if (k === steps - 1) return Float32Array.from(b);
    const t = k / (steps - 1);
    return path === 'slerp' ? slerp(a, b, t) : lerp(a, b, t);
  });
}

/** `(1 − t)·a + t·b`. */
export function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  return Float32Array.from(a, (v, i) => (1 - t) * v + t * b[i]!);
}

/**
 * Spherical interpolation (Shoemake): `sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b`, Ω the angle
 * between `a` and `b`; lengths are interpolated too, so vectors of different lengths work.
 * Nearly parallel or opposite vectors (sin Ω ≈ 0, no unique circle) fall back to {@link lerp}.
 */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const cos = dot / Math.sqrt(na * nb);
  const omega = Math.acos(Math.min(1, Math.max(-1, cos)));
  const sin = Math.sin(omega);
  if (!(sin > 1e-6)) return lerp(a, b, t);
  const wa = Math.sin((1 - t) * omega) / sin;
  const wb = Math.sin(t * omega) / sin;
  return Float32Array.from(a, (v, i) => wa * v + wb * b[i]!);
}
