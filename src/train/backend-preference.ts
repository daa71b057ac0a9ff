// Apart from backend.ts (which loads tfjs) so that dcgan-train --help can list them.

/** Which backend to run on; `auto` takes the best one that loads. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** The accepted values of {@link BackendPreference}. */
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
