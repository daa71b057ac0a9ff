import { permutation } from '../../shards/shuffle.js';
import { LruCache } from '../../core/lru.js';

/**
 * Epoch permutations (DESIGN §4) kept for reuse: the ranks of one job ask for the same
 * (records, seed, epoch), and the permutation depends on nothing else.
 */
export class PermutationCache {
  private readonly lru: LruCache<string, Uint32Array>;

  constructor(maxEntries: number) {
    this.lru = new LruCache({ maxEntries });
  }

  /** The permutation of [0, records) for (seed, epoch). */
  get(records: number, seed: number, epoch: number): Uint32Array {
    const key = `${records}:${seed}:${epoch}`;
    let perm = this.lru.get(key);
    if (!perm) {
      perm = permutation(records, seed, epoch);
      this.lru.set(key, perm);
    }
    return perm;
  }
}
