import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, ShardstreamError } from '../core/errors.js';
import { silentProgress, type ProgressSink } from '../core/progress.js';
import { FRAMING_BYTES } from '../tfrecord/framing.js';
import { readRecords } from '../tfrecord/reader.js';
import { readIndexFile, type RecordIndex } from '../tfrecord/record-index.js';
import { indexPathFor, type ShardSummary } from '../tfrecord/writer.js';
import { readManifestFile } from './manifest.js';

/** Options of {@link verifyShardSet}. */
export interface VerifyShardSetOptions {
  /** The folder that holds `manifest.json`. */
  readonly dir: string;
  /** Told the bytes of all shards, then each chunk read. @default silentProgress */
  readonly progress?: ProgressSink;
  /** Called with each problem as it is found (they are also in the result). */
  readonly onProblem?: (problem: ShardstreamError) => void;
}

/** What {@link verifyShardSet} found. */
export interface ShardSetVerification {
  readonly dir: string;
  readonly dataset: string;
  /** Shards the manifest lists. */
  readonly shards: number;
  /** Records read whose CRCs are good. */
  readonly records: number;
  /** Bytes the manifest lists over all shards. */
  readonly bytes: number;
  /** Every problem, each an error whose message starts with the file (and record or line). */
  readonly problems: readonly ShardstreamError[];
}

/** Bytes per read of a shard. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Check a whole shard set against its manifest: every listed shard exists, has the listed size
 * and sha256 and record count, every record's CRCs are good, and every index agrees with its
 * shard (`parseIndex`'s checks, then each line against the record the shard holds). Each shard is
 * read once. Problems are collected, not thrown; an unreadable manifest is thrown.
 */
export async function verifyShardSet(options: VerifyShardSetOptions): Promise<ShardSetVerification> {
  const manifest = await readManifestFile(options.dir);
  const progress = options.progress ?? silentProgress;
  const problems: ShardstreamError[] = [];
  const report = (problem: ShardstreamError): void => {
    problems.push(problem);
    options.onProblem?.(problem);
  };
  const listed = manifest.partitions.flatMap((p) => p.shards);
  const bytes = listed.reduce((n, s) => n + s.bytes, 0);
  let records = 0;
  progress.start(bytes);
  try {
    for (const shard of listed) records += await verifyShard(join(options.dir, shard.name), shard, progress, report);
  } finally {
    progress.stop();
  }
  return { dir: options.dir, dataset: manifest.dataset, shards: listed.length, records, bytes, problems };
}

/** The size check of a shard against its manifest entry, shared with the server's start. */
export function sizeProblem(path: string, actual: number, listed: number): InvalidInputError | undefined {
  return actual === listed ? undefined : new InvalidInputError(path, `has ${actual} bytes but the manifest says ${listed}`);
}

/** The record-count check of an index against its manifest entry, shared with the server's start. */
export function countProblem(indexPath: string, actual: number, listed: number): InvalidInputError | undefined {
  return actual === listed ? undefined : new InvalidInputError(indexPath, `holds ${actual} records but the manifest says ${listed}`);
}

/** Check one shard and its index; returns the good records read. */
async function verifyShard(path: string, listed: ShardSummary, progress: ProgressSink, report: (p: ShardstreamError) => void): Promise<number> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (cause) {
    report(new InvalidInputError(path, `missing: ${(cause as Error).message}`, { cause }));
    progress.tick(listed.bytes);
    return 0;
  }
  const reportIf = (p: ShardstreamError | undefined): void => void (p && report(p));
  reportIf(sizeProblem(path, size, listed.bytes));
  const indexPath = indexPathFor(path);
  let index: RecordIndex | undefined;
  try {
    index = await readIndexFile(indexPath, size);
    reportIf(countProblem(indexPath, index.offsets.length, listed.records));
  } catch (error) {
    report(error instanceof ShardstreamError ? error : new InvalidInputError(indexPath, `cannot read the index: ${(error as Error).message}`, { cause: error }));
  }

  const hash = createHash('sha256');
  let good = 0;
  let corrupt = 0;
  // Index lines are compared until the first corrupt record: after it, positions are uncertain.
  let compare = index !== undefined;
  try {
    const onSkip = (e: ShardstreamError): void => {
      corrupt++;
      compare = false;
      report(e);
    };
    for await (const r of readRecords(hashedChunks(path, hash, progress), { name: path, compression: 'none', onCorrupt: 'skip', onSkip })) {
      good++;
      if (compare && index) {
        const problem = indexLineProblem(indexPath, index, r.index, r.offset, r.data.length + FRAMING_BYTES);
        if (problem) {
          report(problem);
          compare = false;
        }
      }
    }
  } catch (error) {
    report(error instanceof ShardstreamError ? error : new InvalidInputError(path, `cannot read the shard: ${(error as Error).message}`, { cause: error }));
    return good;
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== listed.sha256) report(new InvalidInputError(path, `sha256 is ${sha256} but the manifest says ${listed.sha256}`));
  if (corrupt === 0 && good !== listed.records) report(new InvalidInputError(path, `holds ${good} records but the manifest says ${listed.records}`));
  return good;
}

/** Whether line `i + 1` of the index lists the record the shard holds at position `i`. */
function indexLineProblem(indexPath: string, index: RecordIndex, i: number, offset: number, size: number): InvalidInputError | undefined {
  const o = index.offsets[i];
  const s = index.sizes[i];
  if (o === offset && s === size) return undefined;
  const listed = o === undefined ? 'has no line' : `lists record ${i} at byte ${o} with ${s} bytes`;
  return new InvalidInputError(indexPath, `line ${i + 1}: ${listed}, but the shard holds it at byte ${offset} with ${size} bytes`);
}

/** The bytes of `path`, each chunk also fed to `hash` and counted on `progress`. */
async function* hashedChunks(path: string, hash: Hash, progress: ProgressSink): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    progress.tick(chunk.length);
    yield chunk;
  }
}
