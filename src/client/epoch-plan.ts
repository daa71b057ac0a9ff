import { batchesPerEpoch, batchRecordIds, permutation } from '../shards/shuffle.js';

/** What fixes one rank's batches (DESIGN §4). */
export interface EpochPlanOptions {
  /** Records in the selected partitions (N). */
  readonly records: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly rank: number;
  readonly world: number;
  readonly dropRemainder: boolean;
}

/**
 * The batches of one rank, epoch by epoch: the record ids of batch `k` of epoch `e`, exactly as
 * the server cuts them. Keeps the permutation of the last epoch asked for.
 */
export class EpochPlan {
  /** Batches this rank gets per epoch. */
  readonly batches: number;
  private cached: { epoch: number; perm: Uint32Array } | undefined;

  constructor(readonly options: EpochPlanOptions) {
    this.batches = batchesPerEpoch(options);
  }

  /** Global record ids of batch `k` of `epoch`, in batch order. */
  ids(epoch: number, k: number): Uint32Array {
    if (this.cached?.epoch !== epoch) this.cached = { epoch, perm: permutation(this.options.records, this.options.seed, epoch) };
    return batchRecordIds(this.cached.perm, this.options, k);
  }
}
