// Apart from backend.ts (which loads tfjs) so that dcgan-train --help can list them, and
// resolveTrainOptions check them before a backend loads.
import { InvalidParameterError } from '../core/errors.js';

/** Which backend to run on; `auto` takes the best one that loads. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** The accepted values of {@link BackendPreference}. */
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Checks a preference, and that `requireGpu` comes with one that can run on a CUDA device. */
export function checkBackendPreference(pref: unknown, requireGpu: boolean): BackendPreference {
  if (!(BACKEND_PREFERENCES as readonly unknown[]).includes(pref)) {
    throw new InvalidParameterError('backend', `one of ${BACKEND_PREFERENCES.join(', ')}`, pref);
  }
  if (requireGpu && pref !== 'auto' && pref !== 'tensorflow') throw new InvalidParameterError('backend', 'auto or tensorflow with requireGpu', pref);
  return pref as BackendPreference;
}
