import { createHash } from 'node:crypto';
import { InvalidInputError } from '../core/errors.js';
import { parseManifest, selectPartitions, type Manifest } from '../shards/manifest.js';
import { decodeTensorBatch, type TensorBatch } from '../shards/tensor-batch.js';
import { readRecords } from '../tfrecord/reader.js';
import { assembleBatch } from './assemble.js';
import type { BatchSource, PendingBatch } from './batch-source.js';
import type { EpochPlan } from './epoch-plan.js';
import { IncompleteResponseError, ManifestChangedError, ProtocolError } from './errors.js';
import type { HttpClient, HttpResponse } from './http.js';
import { InFlight } from './in-flight.js';
import { STREAM_HEADERS, STREAM_PATH, streamUrl, type StreamFormat } from '../shards/stream-protocol.js';
import { Backoff } from './retry.js';

/** Manifest fingerprints by the header that carried them. */
export type Fingerprints = Readonly<Record<string, string>>;

/** A shard-server's manifest and the fingerprints it was served with. */
export interface ServerManifest {
  readonly manifest: Manifest;
  readonly fingerprints: Fingerprints;
}

/** Options of {@link StreamSource.open}. */
export interface StreamSourceOptions {
  /** @default the manifest's dataset */
  readonly dataset?: string | undefined;
  /** @default all of the manifest's, in its order */
  readonly partitions?: readonly string[] | undefined;
  readonly format: StreamFormat;
}

/** `GET <base>/v1/manifest[?dataset=]`, with retries; checks the body against its sha256 header. */
export async function fetchServerManifest(http: HttpClient, base: URL, dataset?: string): Promise<ServerManifest> {
  const url = manifestUrl(base, dataset);
  return http.retry(url, async () => {
    const res = await http.get(url, { headers: { accept: 'application/json' } });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const fingerprints = fingerprintsOf(res);
    const sha = fingerprints[STREAM_HEADERS.fingerprint];
    if (sha !== undefined && sha !== createHash('sha256').update(bytes).digest('hex')) {
      throw new ProtocolError(String(url), `the manifest does not match its ${STREAM_HEADERS.fingerprint} header ${sha}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (cause) {
      throw new InvalidInputError(String(url), `invalid JSON: ${(cause as Error).message}`, { cause });
    }
    return { manifest: parseManifest(json, String(url)), fingerprints };
  });
}

function manifestUrl(base: URL, dataset: string | undefined): URL {
  const url = new URL('v1/manifest', base);
  if (dataset !== undefined) url.searchParams.set('dataset', dataset);
  return url;
}

/**
 * Batches from a shard-server's `/v1/stream`, one request per epoch. A dropped connection, a 5xx
 * or a 503 is retried with backoff and the stream resumed at the first batch not yet handed out
 * (`start_batch`), so no record is lost or repeated. Every batch is checked against the shuffle
 * order, and every connection against the manifest fingerprint of the first.
 */
export class StreamSource implements BatchSource {
  readonly mode = 'stream' as const;
  readonly location: string;
  /** The manifest fingerprints seen so far, by header. */
  private readonly fingerprints = new Map<string, string>();
  private readonly inFlight = new InFlight();

  private constructor(
    private readonly http: HttpClient,
    private readonly base: URL,
    readonly manifest: Manifest,
    readonly partitions: readonly string[],
    readonly records: number,
    private readonly dataset: string,
    private readonly format: StreamFormat,
    fingerprints: Fingerprints,
  ) {
    this.location = String(base);
    for (const [k, v] of Object.entries(fingerprints)) this.fingerprints.set(k, v);
  }

  /** Fetch the manifest (unless given) and count the records of the selected partitions. */
  static async open(http: HttpClient, base: URL, options: StreamSourceOptions, fetched?: ServerManifest): Promise<StreamSource> {
    const { manifest, fingerprints } = fetched ?? (await fetchServerManifest(http, base, options.dataset));
    const where = String(manifestUrl(base, options.dataset));
    if (options.dataset !== undefined && options.dataset !== manifest.dataset) {
      throw new InvalidInputError(where, `the server serves dataset ${JSON.stringify(manifest.dataset)}, not ${JSON.stringify(options.dataset)}`);
    }
    const partitions = options.partitions ?? manifest.partitions.map((p) => p.name);
    const records = selectPartitions(manifest, partitions, where).reduce((n, p) => n + p.records, 0);
    return new StreamSource(http, base, manifest, partitions, records, manifest.dataset, options.format, fingerprints);
  }

  async *epoch(plan: EpochPlan, epoch: number, start: number): AsyncGenerator<PendingBatch> {
    let next = start;
    const backoff = new Backoff(this.http.retryPolicy, String(new URL(STREAM_PATH.slice(1), this.base)), this.http.signal);
    while (next < plan.batches) {
      const url = this.streamUrl(plan, epoch, next);
      let res: HttpResponse | undefined;
      try {
        res = await this.http.get(url);
        this.checkHeaders(url, res, plan);
        for await (const pending of this.readBody(url, res, plan, epoch, next)) {
          yield pending;
          next++;
          backoff.reset();
        }
      } catch (error) {
        res?.body.destroy();
        res = undefined;
        await backoff.wait(error);
      } finally {
        res?.body.destroy();
      }
    }
  }

  async close(): Promise<void> {
    await this.inFlight.settled();
  }

  /** `<base>/v1/stream?…` for `epoch` from batch `start`. */
  streamUrl(plan: EpochPlan, epoch: number, start: number): URL {
    const o = plan.options;
    return streamUrl(this.base, {
      dataset: this.dataset,
      partitions: this.partitions,
      batch_size: o.batchSize,
      seed: o.seed,
      epoch,
      rank: o.rank,
      world: o.world,
      start_batch: start,
      drop_remainder: o.dropRemainder,
      format: this.format,
    });
  }

  /** The stream must describe the same data as the manifest and as every earlier connection. */
  private checkHeaders(url: URL, res: HttpResponse, plan: EpochPlan): void {
    for (const [header, value] of Object.entries(fingerprintsOf(res))) {
      const seen = this.fingerprints.get(header);
      if (seen === undefined) this.fingerprints.set(header, value);
      else if (seen !== value) {
        throw new ManifestChangedError(String(url), `the server's manifest changed (${header} ${seen}, now ${value}); the batches of this run would no longer follow one order, so the stream stops`);
      }
    }
    const records = headerNumber(res, STREAM_HEADERS.records);
    if (records !== undefined && records !== this.records) {
      throw new ManifestChangedError(String(url), `the server streams ${records} records but the manifest read at the start lists ${this.records}`);
    }
    const start = headerNumber(res, STREAM_HEADERS.startBatch);
    const asked = Number(url.searchParams.get('start_batch'));
    if (start !== undefined && start !== asked) throw new ProtocolError(String(url), `the stream starts at batch ${start}, not at ${asked} as asked`);
    const batches = headerNumber(res, STREAM_HEADERS.batches);
    if (batches !== undefined && batches !== plan.batches) {
      throw new ProtocolError(String(url), `the server plans ${batches} batches per epoch but the shuffle definition gives ${plan.batches}`);
    }
  }

  /** The batches of one response, from batch `first`; throws {@link IncompleteResponseError} when it ends early. */
  private async *readBody(url: URL, res: HttpResponse, plan: EpochPlan, epoch: number, first: number): AsyncGenerator<PendingBatch> {
    const name = String(url);
    const records = this.format === 'records';
    let k = first;
    let ids = plan.ids(epoch, k);
    let held: Buffer[] = [];
    const advance = (): void => {
      k++;
      if (k < plan.batches) ids = plan.ids(epoch, k);
    };
    // A rank's last batch can be empty (DESIGN §4); a records stream has nothing on the wire for it.
    const empty = (): boolean => records && k < plan.batches && ids.length === 0;
    for (; empty(); advance()) yield { batch: this.decode([], ids, epoch, k, name) };
    for await (const entry of readRecords(res.body as AsyncIterable<Uint8Array>, { name, compression: 'none' })) {
      if (k >= plan.batches) throw new ProtocolError(name, `the stream goes on after its last batch (${plan.batches - 1})`);
      if (records) {
        held.push(entry.data);
        if (held.length < ids.length) continue;
        yield { batch: this.decode(held, ids, epoch, k, name) };
        held = [];
      } else {
        const batch = decodeTensorBatch(entry.data, `${name} @ byte ${entry.offset}`);
        checkBatch(name, batch, epoch, k, ids);
        yield { batch: Promise.resolve(batch) };
      }
      advance();
      for (; empty(); advance()) yield { batch: this.decode([], ids, epoch, k, name) };
    }
    if (k < plan.batches) throw new IncompleteResponseError(name, `the stream ended after ${k - first} of ${plan.batches - first} batches`);
  }

  private decode(records: readonly Uint8Array[], ids: Uint32Array, epoch: number, k: number, name: string): Promise<TensorBatch> {
    return this.inFlight.add(assembleBatch(records, ids, this.manifest.image, epoch, k, (i) => `${name}: batch ${k} record ${i} (id ${ids[i]})`));
  }
}

/** A tensor batch must be the one the shuffle order puts here. */
function checkBatch(name: string, batch: TensorBatch, epoch: number, k: number, ids: Uint32Array): void {
  if (batch.epoch !== epoch || batch.batchIndex !== k) {
    throw new ProtocolError(name, `expected batch ${k} of epoch ${epoch} but the server sent batch ${batch.batchIndex} of epoch ${batch.epoch}`);
  }
  if (batch.ids.length !== ids.length || batch.ids.some((id, i) => id !== ids[i])) {
    throw new ProtocolError(name, `batch ${k} of epoch ${epoch} holds other records than the shuffle order gives (first ids ${batch.ids.slice(0, 4).join(',')} vs ${Array.from(ids.subarray(0, 4)).join(',')})`);
  }
}

/** The manifest fingerprints a response carries (X-Shardstream-Manifest-Sha256, ETag), by header. */
function fingerprintsOf(res: HttpResponse): Fingerprints {
  const out: Record<string, string> = {};
  for (const header of [STREAM_HEADERS.fingerprint, 'etag']) {
    const v = res.headers[header];
    if (typeof v === 'string') out[header] = v;
  }
  return out;
}

function headerNumber(res: HttpResponse, name: string): number | undefined {
  const v = res.headers[name];
  return typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
}
