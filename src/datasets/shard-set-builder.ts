import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { partialPathFor, writeFileAtomic } from '../core/atomic-file.js';
import { fileSha256 } from '../core/file-sha256.js';
import { orderedMap } from '../core/ordered-map.js';
import { silentProgress, type ProgressSink } from '../core/progress.js';
import { MANIFEST_FILE, type Manifest, type ManifestPartition, type SkippedInput } from '../shards/manifest.js';
import { AtomicShardWriter, indexPathFor, shardFileName, type ShardSummary } from '../tfrecord/writer.js';
import { formatIndex } from '../tfrecord/record-index.js';
import { NothingWrittenError } from './nothing-written-error.js';
import { planShards, samplePositions, shardCountFor, type PlannedShard } from './shard-plan.js';
import { InternalError } from '../core/errors.js';

/** What converting one input gave: a serialized record, or the reason it is skipped. */
export type ConvertOutcome = { readonly record: Uint8Array } | { readonly skip: string };

/** The inputs of one partition, converted one by one. */
export interface PartitionInputs {
  readonly name: string;
  readonly count: number;
  /** How input `i` is named in skip reports, e.g. `000042.jpg`. */
  inputName(i: number): string;
  /** Convert input `i` (deterministically). Expected problems are skips; a throw aborts the run. */
  convert(i: number): Promise<ConvertOutcome>;
}

/** Options of {@link buildShardSet}. */
export interface BuildShardSetOptions {
  /** Output folder (created if needed). */
  readonly dir: string;
  /** Shard name prefix and manifest dataset, e.g. `celeba`. */
  readonly dataset: string;
  /** In manifest order. */
  readonly partitions: readonly PartitionInputs[];
  /** Shards per partition; when absent, planned from `shardBytes`. */
  readonly shards?: number;
  /** Target shard size, estimated from a sample of converted records. @default 100 MiB */
  readonly shardBytes?: number;
  /** Inputs converted at once. */
  readonly workers: number;
  /**
   * Identifies everything that decides the bytes of the records (options, annotation digest,
   * tool version). A completed shard left by an interrupted run is kept only when it matches.
   */
  readonly fingerprint: string;
  readonly progress?: ProgressSink;
  /** Make the manifest from what was written. */
  readonly manifest: (partitions: readonly ManifestPartition[], skipped: readonly SkippedInput[]) => Manifest;
}

/** What was written for one partition. */
export interface PartitionReport {
  readonly name: string;
  readonly records: number;
  readonly bytes: number;
  readonly shards: readonly ShardSummary[];
  /** Shards kept from an interrupted run instead of being converted again. */
  readonly reused: number;
  readonly skipped: readonly SkippedInput[];
}

/** What {@link buildShardSet} wrote. */
export interface ShardSetReport {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly partitions: readonly PartitionReport[];
}

/** Records converted to estimate the record size when planning by bytes. */
const SIZE_SAMPLES = 16;
/** Default target shard size. */
export const DEFAULT_SHARD_BYTES = 100 * 1024 * 1024;

interface ShardJob extends PlannedShard {
  readonly name: string;
  readonly fingerprint: string;
  done?: { readonly shard: ShardSummary; readonly skipped: readonly SkippedInput[] };
}

interface Sidecar {
  readonly fingerprint: string;
  /** The shard as written: a kept shard must still have its size and sha256. */
  readonly shard: ShardSummary;
  /** Hex sha256 of the shard's index file as written. */
  readonly indexSha256: string;
  readonly skipped: readonly SkippedInput[];
}

/**
 * Convert partitions of inputs into a shard set (DESIGN §3). Each partition's inputs are split
 * into a planned number of shards, each a fixed range of inputs; `workers` inputs are converted
 * at once while records are written strictly in input order, so the bytes do not depend on
 * `workers` and memory does not grow with the inputs. Every completed shard gets a small
 * sidecar (`.<shard>.done.json`, written atomically after the shard), so a re-run after an
 * interruption keeps completed shards (those whose size and sha256, and their index's, still
 * match it); the manifest is written last, atomically, and the
 * sidecars are removed after it.
 */
export async function buildShardSet(options: BuildShardSetOptions): Promise<ShardSetReport> {
  const { dir, dataset, workers } = options;
  const progress = options.progress ?? silentProgress;
  await mkdir(dir, { recursive: true });
  // An old manifest would describe shards about to be replaced; a partial one is left by a killed run.
  await rm(join(dir, MANIFEST_FILE), { force: true });
  await rm(partialPathFor(join(dir, MANIFEST_FILE)), { force: true });

  const plans: { inputs: PartitionInputs; shards: ShardJob[] }[] = [];
  for (const original of options.partitions) {
    let inputs = original;
    let count = options.shards;
    if (count === undefined) {
      const samples = await convertSamples(original, workers);
      count = shardCountFor(original.count, samples.recordBytes, options.shardBytes ?? DEFAULT_SHARD_BYTES);
      // The sampled inputs are not converted twice: their outcomes wait for their turn (a few dozen at most).
      inputs = { ...original, convert: (i) => takeOr(samples.outcomes, i, () => original.convert(i)) };
    }
    const planned = planShards(inputs.count, count);
    const shards = planned.map((s): ShardJob => {
      const name = shardFileName(`${dataset}-${inputs.name}`, s.index, planned.length);
      const fingerprint = sha256(JSON.stringify([options.fingerprint, inputs.name, inputs.count, name, s.start, s.end]));
      return { ...s, name, fingerprint };
    });
    for (const s of shards) {
      const done = await readSidecar(dir, s);
      if (done) s.done = done;
    }
    plans.push({ inputs, shards });
  }
  await removeStale(dir, dataset, plans.map((p) => ({ partition: p.inputs.name, keep: new Set(p.shards.map((s) => s.name)) })));

  const todo = plans.flatMap((p) => p.shards.filter((s) => !s.done).map((s) => ({ inputs: p.inputs, shard: s })));
  function* tasks(): Generator<{ inputs: PartitionInputs; i: number }> {
    for (const { inputs, shard } of todo) for (let i = shard.start; i < shard.end; i++) yield { inputs, i };
  }
  progress.start(todo.reduce((n, t) => n + t.shard.end - t.shard.start, 0));
  const results = orderedMap(tasks(), (t) => t.inputs.convert(t.i), { concurrency: workers })[Symbol.asyncIterator]();
  try {
    for (const { inputs, shard } of todo) {
      const path = join(dir, shard.name);
      const writer = await AtomicShardWriter.create(path);
      const skipped: SkippedInput[] = [];
      let summary: ShardSummary;
      let indexSha256: string;
      try {
        for (let i = shard.start; i < shard.end; i++) {
          const next = await results.next();
          if (next.done) throw new InternalError(`${path}: the conversion pipeline ended early`);
          const outcome = next.value;
          if ('record' in outcome) await writer.write(outcome.record);
          else skipped.push({ input: inputs.inputName(i), partition: inputs.name, reason: outcome.skip });
          progress.tick();
        }
        const written = await writer.close();
        summary = { name: shard.name, records: written.records, bytes: written.bytes, sha256: written.sha256 };
        indexSha256 = sha256(formatIndex(written.index)); // the text just written, without reading it back
      } catch (error) {
        await writer.abort();
        throw error;
      }
      const sidecar: Sidecar = { fingerprint: shard.fingerprint, shard: summary, indexSha256, skipped };
      await writeFileAtomic(sidecarPath(dir, shard.name), `${JSON.stringify(sidecar)}\n`);
      shard.done = { shard: summary, skipped };
    }
  } finally {
    await results.return(undefined);
    progress.stop();
  }

  const reports: PartitionReport[] = plans.map(({ inputs, shards }) => {
    const summaries = shards.map((s) => s.done!.shard);
    return {
      name: inputs.name,
      records: summaries.reduce((n, s) => n + s.records, 0),
      bytes: summaries.reduce((n, s) => n + s.bytes, 0),
      shards: summaries,
      reused: shards.length - todo.filter((t) => t.inputs === inputs).length,
      skipped: shards.flatMap((s) => s.done!.skipped),
    };
  });
  const skipped = reports.flatMap((r) => r.skipped);
  const allShards = plans.flatMap((p) => p.shards);
  if (reports.every((r) => r.records === 0)) {
    // Nothing to serve; start afresh next time (the inputs may be fixed by then).
    await Promise.all(allShards.flatMap((s) => [join(dir, s.name), indexPathFor(join(dir, s.name)), sidecarPath(dir, s.name)].map((f) => rm(f, { force: true }))));
    throw new NothingWrittenError(dir, skipped);
  }
  const manifest = options.manifest(
    reports.map((r) => ({ name: r.name, records: r.records, shards: r.shards })),
    skipped,
  );
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await Promise.all(allShards.map((s) => rm(sidecarPath(dir, s.name), { force: true })));
  return { dir, manifest, partitions: reports };
}

/** Convert an even sample of a partition's inputs to estimate the size of its records. */
async function convertSamples(inputs: PartitionInputs, workers: number): Promise<{ recordBytes: number; outcomes: Map<number, ConvertOutcome> }> {
  const positions = samplePositions(inputs.count, SIZE_SAMPLES);
  const outcomes = new Map<number, ConvertOutcome>();
  let bytes = 0;
  let records = 0;
  for await (const [i, outcome] of orderedMap(positions, async (i) => [i, await inputs.convert(i)] as const, { concurrency: workers })) {
    outcomes.set(i, outcome);
    if ('record' in outcome) {
      bytes += outcome.record.length;
      records++;
    }
  }
  // With no record in the sample, one shard; shardCountFor rounds up from 0 bytes to 1.
  return { recordBytes: records === 0 ? 0 : bytes / records, outcomes };
}

function takeOr(cache: Map<number, ConvertOutcome>, i: number, compute: () => Promise<ConvertOutcome>): Promise<ConvertOutcome> {
  const hit = cache.get(i);
  if (hit === undefined) return compute();
  cache.delete(i);
  return Promise.resolve(hit);
}

function sidecarPath(dir: string, shardName: string): string {
  return join(dir, `.${shardName}.done.json`);
}

/**
 * The sidecar of a shard completed by an earlier run with the same fingerprint, when the shard
 * and its index are there with the size and sha256 written then (a shard changed since, even
 * at the same size, is converted again).
 */
async function readSidecar(dir: string, shard: ShardJob): Promise<Sidecar | undefined> {
  try {
    const sidecar = JSON.parse(await readFile(sidecarPath(dir, shard.name), 'utf8')) as Sidecar;
    if (sidecar.fingerprint !== shard.fingerprint || sidecar.shard?.name !== shard.name) return undefined;
    const path = join(dir, shard.name);
    if ((await stat(path)).size !== sidecar.shard.bytes) return undefined; // cheap check first
    if ((await fileSha256(path)) !== sidecar.shard.sha256) return undefined;
    if ((await fileSha256(indexPathFor(path))) !== sidecar.indexSha256) return undefined;
    return sidecar;
  } catch {
    return undefined;
  }
}

/**
 * Remove shards (and their index, partial and sidecar files) of the partitions being written
 * that the new plan does not have, e.g. from a run with another shard count, and every partial
 * file of theirs (left by a run that was killed while writing it).
 */
async function removeStale(dir: string, dataset: string, partitions: readonly { partition: string; keep: ReadonlySet<string> }[]): Promise<void> {
  const names = await readdir(dir);
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const { partition, keep } of partitions) {
    // shard, `.index`, `.done.json` sidecar, and the `.<name>.partial` of each
    const pattern = new RegExp(`^\\.{0,2}(${escape(dataset)}-${escape(partition)}-\\d{5}-of-\\d{5}\\.tfrecord)(\\.index|\\.done\\.json)?(\\.partial)?$`);
    for (const name of names) {
      const m = pattern.exec(name);
      if (!m) continue;
      const isPartial = m[3] === '.partial';
      if (isPartial || !keep.has(m[1]!)) await rm(join(dir, name), { force: true });
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

