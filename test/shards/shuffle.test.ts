import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchesPerEpoch, batchPositions, batchRecordIds, permutation, ShuffleRng } from '../../src/shards/shuffle.js';

const PYTHON_REFERENCE = new URL('../../scripts/shuffle_reference.py', import.meta.url).pathname;

describe('shuffle order', () => {
  it('equals the Python reference of the README, for several N, seeds and epochs', () => {
    for (const [n, seed, epoch] of [
      [1, 0, 0],
      [10, 42, 0],
      [1000, 7, 3],
      [4099, 4294967295, 4294967295],
      [50_000, 123456789, 12],
    ] as const) {
      const py = execFileSync('python3', [PYTHON_REFERENCE, String(n), String(seed), String(epoch)], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(Array.from(permutation(n, seed, epoch)).join('\n') + '\n').toBe(py);
    }
  });

  it('is a permutation, differs between epochs and seeds, and is stable', () => {
    const p = permutation(1000, 1, 0);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(permutation(1000, 1, 1))).not.toEqual(Array.from(p));
    expect(Array.from(permutation(1000, 2, 0))).not.toEqual(Array.from(p));
    expect(Array.from(permutation(1000, 1, 0))).toEqual(Array.from(p));
    // pinned values: a change of the definition must be deliberate
    expect(Array.from(permutation(10, 42, 0))).toEqual([4, 0, 7, 5, 6, 2, 9, 8, 3, 1]);
    const rng = new ShuffleRng(0, 0);
    expect(rng.next()).toBeGreaterThanOrEqual(0);
  });

  it('splits global batches over ranks: disjoint, same count, same global batches for any world', () => {
    const n = 103;
    const perm = permutation(n, 5, 2);
    for (const world of [1, 2, 4]) {
      const b = 8 / world;
      const count = batchesPerEpoch({ records: n, batchSize: b, world });
      expect(count).toBe(Math.floor(n / 8));
      for (let k = 0; k < count; k++) {
        const global = Array.from({ length: world }, (_, r) => Array.from(batchRecordIds(perm, { records: n, batchSize: b, world, rank: r }, k))).flat();
        expect(global).toEqual(Array.from(perm.subarray(k * 8, (k + 1) * 8)));
      }
    }
  });

  it('with drop_remainder=false uses every record exactly once over the ranks', () => {
    for (const [n, b, world] of [
      [103, 8, 3],
      [10, 4, 4],
      [5, 2, 4],
    ] as const) {
      const perm = permutation(n, 9, 0);
      const seen: number[] = [];
      for (let rank = 0; rank < world; rank++) {
        const o = { records: n, batchSize: b, world, rank, dropRemainder: false };
        expect(batchesPerEpoch(o)).toBe(Math.ceil(n / (b * world)));
        for (let k = 0; k < batchesPerEpoch(o); k++) seen.push(...batchRecordIds(perm, o, k));
      }
      expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('names the parameter when one is out of range', () => {
    expect(() => permutation(10, -1, 0)).toThrow('Expected an integer from 0 to 4294967295 for seed but received -1 of type number');
    expect(() => permutation(10, 0, 1.5)).toThrow(/for epoch/);
    expect(() => batchesPerEpoch({ records: 10, batchSize: 0 })).toThrow(/for batch_size/);
    expect(() => batchesPerEpoch({ records: 10, batchSize: 2, world: 2, rank: 2 })).toThrow(/an integer from 0 to 1 for rank/);
    expect(() => batchPositions({ records: 10, batchSize: 2 }, 5)).toThrow(/for batch/);
  });
});
