// The batches a client must yield, computed from the shuffle definition and the synthetic set's
// pixel function, without reading any shard.
import { batchesPerEpoch, batchRecordIds, permutation, type BatchPlanOptions } from '../../../src/shards/shuffle.js';
import type { TensorBatch } from '../../../src/shards/tensor-batch.js';
import type { SyntheticShardSet } from '../../helpers/shard-set.js';
import { plain, type PlainBatch } from './compare.js';

/** What fixes a rank's batches. */
export interface PlanFor {
  readonly batchSize: number;
  readonly seed: number;
  readonly world?: number;
  readonly rank?: number;
  readonly dropRemainder?: boolean;
  /** @default all of the set's, in manifest order */
  readonly partitions?: readonly string[];
}

/** The partitions and batch plan of `plan` over `set`. */
export function shufflePlan(set: SyntheticShardSet, plan: PlanFor): { partitions: readonly string[]; shuffle: Required<BatchPlanOptions>; batches: number } {
  const partitions = plan.partitions ?? set.manifest.partitions.map((p) => p.name);
  const shuffle = { records: set.idsOf(partitions).length, batchSize: plan.batchSize, world: plan.world ?? 1, rank: plan.rank ?? 0, dropRemainder: plan.dropRemainder ?? true };
  return { partitions, shuffle, batches: batchesPerEpoch(shuffle) };
}

/** Batch `k` of `epoch` (stream ids), with the source pixels. */
export function expectedBatch(set: SyntheticShardSet, plan: PlanFor, epoch: number, k: number): TensorBatch {
  const { partitions, shuffle } = shufflePlan(set, plan);
  const ids = Array.from(batchRecordIds(permutation(shuffle.records, plan.seed, epoch), shuffle, k));
  const size = set.height * set.width * set.channels;
  const images = new Uint8Array(ids.length * size);
  ids.forEach((id, j) => images.set(set.pixels(set.manifestId(partitions, id)), j * size));
  return { images, shape: [ids.length, set.height, set.width, set.channels], ids, epoch, batchIndex: k };
}

/** Every batch of `epochs` (the first from `startBatch`), as plain data. */
export function expectedBatches(set: SyntheticShardSet, plan: PlanFor, epochs: readonly number[], startBatch = 0): PlainBatch[] {
  const { batches } = shufflePlan(set, plan);
  const out: PlainBatch[] = [];
  for (const [i, epoch] of epochs.entries()) for (let k = i === 0 ? startBatch : 0; k < batches; k++) out.push(plain(expectedBatch(set, plan, epoch, k)));
  return out;
}
