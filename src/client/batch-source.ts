import type { Manifest } from '../shards/manifest.js';
import type { TensorBatch } from '../shards/tensor-batch.js';
import type { EpochPlan } from './epoch-plan.js';
import type { Pending } from './prefetch.js';

/** A batch being fetched or decoded (see {@link Pending}). */
export type PendingBatch = Pending<TensorBatch>;

/** Where batches come from: a shard-server stream, or a shard set read directly. */
export interface BatchSource {
  readonly mode: 'stream' | 'direct';
  /** The server URL, base URL or directory, for messages. */
  readonly location: string;
  readonly manifest: Manifest;
  /** The partitions read, in numbering order. */
  readonly partitions: readonly string[];
  /** Records in the selected partitions (N). */
  readonly records: number;
  /**
   * Batches `[start, plan.batches)` of `epoch`, in order. Each comes pending so that the work on
   * later batches (reads, decoding) overlaps; the caller bounds how many are pending.
   */
  epoch(plan: EpochPlan, epoch: number, start: number): AsyncGenerator<PendingBatch>;
  /** Release connections and files once pending batches have settled. */
  close(): Promise<void>;
}
