import { InvalidInputError } from '../core/errors.js';
import type { Manifest } from '../shards/manifest.js';
import { coalesceReads, RecordTable } from '../shards/record-table.js';
import type { TensorBatch } from '../shards/tensor-batch.js';
import { unframeRecord } from '../tfrecord/indexed-reader.js';
import { assembleBatch } from './assemble.js';
import type { BatchSource, PendingBatch } from './batch-source.js';
import type { EpochPlan } from './epoch-plan.js';
import { InFlight } from './in-flight.js';
import type { ShardStore } from './shard-store.js';

/** Options of {@link DirectSource.open}. */
export interface DirectSourceOptions {
  /** @default all of the manifest's, in its order */
  readonly partitions?: readonly string[] | undefined;
  /** The dataset the manifest must name, if given. */
  readonly dataset?: string | undefined;
  /** Bytes between two records that still join them into one read. @default 0 (only adjacent records) */
  readonly coalesceGap?: number;
  /** Longest single read in bytes. @default 8 MiB */
  readonly maxReadBytes?: number;
}

/**
 * Batches read straight from a shard set (DESIGN §6): the manifest and index files give each
 * record's place, each batch's records are fetched with coalesced reads, CRC-checked, decoded
 * (the decode pool, as the server does) and stacked, giving the same batches in the same order as
 * the server's `/v1/stream`.
 */
export class DirectSource implements BatchSource {
  readonly mode = 'direct' as const;
  private readonly inFlight = new InFlight();

  private constructor(
    private readonly store: ShardStore,
    readonly manifest: Manifest,
    readonly partitions: readonly string[],
    private readonly table: RecordTable,
    private readonly options: DirectSourceOptions,
  ) {}

  /** Read the manifest and the index files of the selected partitions. */
  static async open(store: ShardStore, options: DirectSourceOptions): Promise<DirectSource> {
    const manifest = await store.manifest();
    const where = store.describe('manifest.json');
    if (options.dataset !== undefined && options.dataset !== manifest.dataset) {
      throw new InvalidInputError(where, `holds dataset ${JSON.stringify(manifest.dataset)}, not ${JSON.stringify(options.dataset)}`);
    }
    const partitions = options.partitions ?? manifest.partitions.map((p) => p.name);
    const table = await RecordTable.build(manifest, partitions, (name, bytes) => store.index(name, bytes), where);
    return new DirectSource(store, manifest, partitions, table, options);
  }

  get location(): string {
    return this.store.location;
  }

  get records(): number {
    return this.table.records;
  }

  async *epoch(plan: EpochPlan, epoch: number, start: number): AsyncGenerator<PendingBatch> {
    for (let k = start; k < plan.batches; k++) yield { batch: this.inFlight.add(this.batch(plan.ids(epoch, k), epoch, k)) };
  }

  /** One batch: coalesced reads of its records in file order, put back in batch order. */
  async batch(ids: Uint32Array, epoch: number, batchIndex: number): Promise<TensorBatch> {
    const slot = new Map<number, number>();
    ids.forEach((id, i) => slot.set(id, i));
    const records: Buffer[] = new Array<Buffer>(ids.length);
    const names: string[] = new Array<string>(ids.length);
    const reads = coalesceReads(this.table, ids, {
      maxGap: this.options.coalesceGap ?? 0,
      maxLength: this.options.maxReadBytes ?? 8 * 1024 * 1024,
    });
    await Promise.all(
      reads.map(async (read) => {
        const buf = await this.store.read(read.shard.name, read.offset, read.length, read.shard.bytes);
        const file = this.store.describe(read.shard.name);
        for (const part of read.parts) {
          const i = slot.get(part.id)!;
          const position = part.id - read.shard.firstRecord;
          records[i] = unframeRecord(buf, part.at, part.size, file, read.offset + part.at, position);
          names[i] = `${file} record ${position}`;
        }
      }),
    );
    return assembleBatch(records, ids, this.manifest.image, epoch, batchIndex, (i) => names[i]!);
  }

  async close(): Promise<void> {
    await this.inFlight.settled();
    await this.store.close();
  }
}
