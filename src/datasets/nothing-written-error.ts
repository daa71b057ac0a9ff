import { ShardstreamError } from '../core/errors.js';
import type { SkippedInput } from '../shards/manifest.js';

/** A conversion in which every input was skipped: no shard set is written. */
export class NothingWrittenError extends ShardstreamError {
  readonly dir: string;
  readonly skipped: readonly SkippedInput[];

  constructor(dir: string, skipped: readonly SkippedInput[]) {
    super('ERR_NOTHING_WRITTEN', `${dir}: no record was written (${skipped.length} input${skipped.length === 1 ? '' : 's'} skipped)`);
    this.dir = dir;
    this.skipped = skipped;
  }
}
