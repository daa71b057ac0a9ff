import { createHash } from 'node:crypto';
import { packageVersion } from '../core/package-root.js';
import type { ProgressSink } from '../core/progress.js';
import { FORMAT_VERSION, type FeatureSpec, type ManifestImage } from '../shards/manifest.js';
import { codecVersions } from './image-transform.js';
import type { CommonConvertOptions } from './options.js';
import { buildShardSet, DEFAULT_SHARD_BYTES, type PartitionInputs, type ShardSetReport } from './shard-set-builder.js';

/** What a converter adds to {@link convertShardSet}: its dataset, inputs and manifest fields. */
export interface ConverterRun {
  readonly dataset: string;
  /** The resolved options (their sharding and limit go into the plan and the manifest). */
  readonly options: CommonConvertOptions;
  readonly partitions: readonly PartitionInputs[];
  /** Besides the tool and codec versions, everything that decides the records' bytes (input digest, options). */
  readonly fingerprint: readonly unknown[];
  readonly features: Readonly<Record<string, FeatureSpec>>;
  readonly image: ManifestImage;
  /** The converter's own options, as the manifest records them (no paths: it is served over HTTP). */
  readonly manifestOptions: Readonly<Record<string, unknown>>;
  readonly progress?: ProgressSink | undefined;
}

/**
 * Build a converter's shard set (DESIGN §3) with the parts every converter shares: the shard
 * plan (`shards`, or a size in MiB), the fingerprint that decides which shards of an
 * interrupted run are kept, and the manifest around the converter's features, image and options.
 */
export function convertShardSet(run: ConverterRun): Promise<ShardSetReport> {
  const o = run.options;
  const createdBy = `shardstream ${packageVersion()}`;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([createdBy, codecVersions(), ...run.fingerprint]))
    .digest('hex');
  return buildShardSet({
    dir: o.out,
    dataset: run.dataset,
    partitions: run.partitions,
    ...(o.shards !== undefined ? { shards: o.shards } : { shardBytes: o.shardSizeMb !== undefined ? o.shardSizeMb * 1024 * 1024 : DEFAULT_SHARD_BYTES }),
    workers: o.workers,
    fingerprint,
    ...(run.progress ? { progress: run.progress } : {}),
    manifest: (written, skipped) => ({
      dataset: run.dataset,
      format_version: FORMAT_VERSION,
      partitions: written,
      features: run.features,
      image: run.image,
      options: {
        ...run.manifestOptions,
        ...(o.shards !== undefined ? { shards: o.shards } : { shard_size_mb: o.shardSizeMb ?? DEFAULT_SHARD_BYTES / (1024 * 1024) }),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
      },
      skipped,
      created_by: createdBy,
    }),
  });
}
