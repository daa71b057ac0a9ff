import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { CorruptRecordError, InvalidInputError } from '../../core/errors.js';
import { decodeRecordImage } from '../../shards/record-image.js';
import { ShuffleRng } from '../../shards/shuffle.js';
import { FOOTER_BYTES, HEADER_BYTES } from '../../tfrecord/framing.js';
import { ApiError, invalidParameter } from '../api-error.js';
import type { Dataset } from '../catalog.js';
import type { ServerContext } from '../context.js';
import { datasetParam, integerParam, singleValues, type Query } from '../http/query.js';
import { MAX_U32 } from '../../shards/stream-protocol.js';
import { loadUiPage } from '../ui/page.js';

/** Most sample images one request may ask for. */
export const MAX_SAMPLE_COUNT = 64;
/** Skipped inputs listed one by one in `/v1/ui/datasets` (all are counted by reason). */
export const MAX_SKIPPED_LISTED = 200;

/**
 * The web page at `/` (docs/ui.md) and the JSON it reads: `/v1/ui/datasets`, `/v1/ui/sample`,
 * `/v1/ui/image` (a record's image as PNG) and `/v1/ui/streams`. Same auth as every route; `/`
 * alone also takes the token from its query (see {@link pageAuthorization}).
 */
export function registerUiRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const page = loadUiPage();

  app.get('/', async (request, reply) => {
    singleValues(request.query as Query, ['token']);
    return reply.headers(page.headers).send(page.html);
  });

  app.get('/v1/ui/datasets', async (request, reply) => {
    singleValues(request.query as Query, []);
    return reply.header('cache-control', 'no-store').send({ datasets: [...ctx.catalog.datasets.values()].map(describeDataset) });
  });

  app.get('/v1/ui/sample', async (request, reply) => {
    const values = singleValues(request.query as Query, ['dataset', 'partition', 'count', 'seed']);
    const ds = datasetParam(values, ctx.catalog);
    const names = ds.manifest.partitions.map((p) => p.name);
    const partition = values.get('partition');
    if (partition !== undefined && !names.includes(partition)) throw invalidParameter('partition', `one of ${names.join(', ')}`, partition);
    const count = integerParam(values, 'count', 1, MAX_SAMPLE_COUNT, 16);
    const seed = integerParam(values, 'seed', 0, MAX_U32, 0);
    const table = await ds.table(names);
    const shards = partition === undefined ? table.shards : table.shards.filter((s) => s.partition === partition);
    const first = shards[0]?.firstRecord ?? 0;
    const records = shards.reduce((n, s) => n + s.records, 0);
    const items = sampleOffsets(records, Math.min(count, records), seed).map((offset) => {
      const id = first + offset;
      const loc = table.locate(id);
      return { id, partition: loc.shard.partition, shard: loc.shard.name, position: loc.position, url: `/v1/ui/image?dataset=${encodeURIComponent(ds.name)}&id=${id}` };
    });
    return reply.header('cache-control', 'no-store').send({ dataset: ds.name, partition: partition ?? null, seed, records, items });
  });

  app.get('/v1/ui/image', async (request, reply) => {
    const values = singleValues(request.query as Query, ['dataset', 'id']);
    const ds = datasetParam(values, ctx.catalog);
    const id = integerParam(values, 'id', 0, ds.records - 1);
    const png = await recordPng(ctx, ds, id);
    // An id names the same image for as long as the manifest is the same.
    return reply.header('content-type', 'image/png').header('cache-control', 'private, max-age=3600').header('etag', `"${ds.manifestSha256.slice(0, 16)}-${id}"`).send(png);
  });

  app.get('/v1/ui/streams', async (request, reply) => {
    singleValues(request.query as Query, []);
    return reply.header('cache-control', 'no-store').send(ctx.streams.snapshot());
  });
}

/** A dataset as the page shows it: partitions with their shards, image, skipped inputs. */
function describeDataset(ds: Dataset) {
  const { manifest } = ds;
  const byReason = new Map<string, number>();
  // "zero-area bounding box: 0×0 at 12,9" counts as "zero-area bounding box".
  for (const s of manifest.skipped) byReason.set(s.reason.split(':')[0]!, (byReason.get(s.reason.split(':')[0]!) ?? 0) + 1);
  return {
    name: ds.name,
    records: ds.records,
    bytes: ds.bytes,
    manifest_sha256: ds.manifestSha256,
    created_by: manifest.created_by,
    image: manifest.image,
    partitions: manifest.partitions.map((p) => ({
      name: p.name,
      records: p.records,
      bytes: p.shards.reduce((n, s) => n + s.bytes, 0),
      shards: p.shards.map((s) => ({ name: s.name, records: s.records, bytes: s.bytes })),
    })),
    skipped_total: manifest.skipped.length,
    skipped_by_reason: [...byReason].map(([reason, count]) => ({ reason, count })),
    skipped: manifest.skipped.slice(0, MAX_SKIPPED_LISTED).map((s) => ({ input: s.input, partition: s.partition ?? null, reason: s.reason })),
  };
}

/** `k` distinct offsets of [0, n), drawn from `seed` (Floyd's algorithm: k draws, no array of n). */
export function sampleOffsets(n: number, k: number, seed: number): number[] {
  const rng = new ShuffleRng(seed, 0);
  const picked = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = Math.floor((rng.next() / 2 ** 32) * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  return [...picked];
}

/** Record `id` (manifest order) of `ds` as a PNG: read through the record cache (CRCs checked), decoded by sharp. */
async function recordPng(ctx: ServerContext, ds: Dataset, id: number): Promise<Buffer> {
  const table = await ds.table(ds.manifest.partitions.map((p) => p.name));
  const loc = table.locate(id);
  const where = `${loc.shard.name} @ byte ${loc.offset}: record ${loc.position} (id ${id})`;
  try {
    const [framed] = await ctx.reader.read(ds, table, [id]);
    const example = framed!.subarray(HEADER_BYTES, framed!.length - FOOTER_BYTES);
    return await ctx.decodeLimiter.run(async () => {
      const img = await decodeRecordImage(example, ds.manifest.image, where);
      return sharp(img.pixels, { raw: { width: img.width, height: img.height, channels: img.channels as 1 | 3 } }).png().toBuffer();
    });
  } catch (error) {
    if (error instanceof CorruptRecordError || error instanceof InvalidInputError) {
      ctx.log(`image of ${ds.name} failed: ${error.message}`);
      throw new ApiError('ERR_BAD_DATA', error.message, { cause: error });
    }
    throw error;
  }
}
