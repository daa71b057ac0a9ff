import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MANIFEST_FILE } from '../../shards/manifest.js';
import { ApiError, invalidParameter } from '../api-error.js';
import type { Catalog } from '../catalog.js';
import { evaluatePreconditions } from '../http/conditional.js';
import type { ServerContext } from '../context.js';
import { singleValues, type Query } from '../http/query.js';
import { decideRange, multipartLayout } from '../http/range.js';
import type { ServedFile } from '../http/served-file.js';

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * Answer GET or HEAD for `file` with RFC 9110 semantics: validators (strong ETag, Last-Modified),
 * conditionals (412, 304), Range (206 single or multipart/byteranges, If-Range, 416), HEAD with
 * the headers of the GET.
 */
export async function sendFile(request: FastifyRequest, reply: FastifyReply, file: ServedFile, maxRanges: number): Promise<FastifyReply> {
  reply.header('etag', file.etag);
  reply.header('last-modified', file.lastModified.toUTCString());
  reply.header('accept-ranges', 'bytes');
  reply.header('x-content-type-options', 'nosniff');
  const outcome = evaluatePreconditions(request.headers, file);
  if (outcome === 'precondition-failed') throw new ApiError('ERR_PRECONDITION_FAILED', `${file.name}: a precondition (If-Match or If-Unmodified-Since) does not hold`);
  if (outcome === 'not-modified') return reply.code(304).send();
  const decision = decideRange({ method: request.method, range: headerValue(request, 'range'), ifRange: headerValue(request, 'if-range') }, file, maxRanges);
  const head = request.method === 'HEAD';
  if (decision.kind === 'unsatisfiable') {
    throw new ApiError('ERR_RANGE_NOT_SATISFIABLE', `${file.name}: no range of ${JSON.stringify(headerValue(request, 'range'))} overlaps its ${file.size} bytes`, {
      headers: { 'content-range': `bytes */${file.size}` },
    });
  }
  if (decision.kind === 'full') {
    reply.code(200).header('content-type', file.contentType).header('content-length', String(file.size));
    return head ? reply.send() : reply.send(Readable.from(file.chunks(0, file.size - 1), { objectMode: false }));
  }
  const ranges = decision.ranges;
  if (ranges.length === 1) {
    const { start, end } = ranges[0]!;
    reply
      .code(206)
      .header('content-type', file.contentType)
      .header('content-range', `bytes ${start}-${end}/${file.size}`)
      .header('content-length', String(end - start + 1));
    return head ? reply.send() : reply.send(Readable.from(file.chunks(start, end), { objectMode: false }));
  }
  const layout = multipartLayout(ranges, file.size, file.contentType, randomBytes(12).toString('hex'));
  reply.code(206).header('content-type', layout.contentType).header('content-length', String(layout.length));
  return reply.send(Readable.from(multipartBody(file, layout), { objectMode: false }));
}

async function* multipartBody(file: ServedFile, layout: ReturnType<typeof multipartLayout>): AsyncGenerator<Buffer> {
  for (const part of layout.parts) {
    yield part.head;
    yield* file.chunks(part.range.start, part.range.end);
  }
  yield layout.tail;
}

/** The file `name` of the dataset given by `dataset`, or of the only dataset that has it. */
function lookup(catalog: Catalog, name: string, dataset: string | undefined): ServedFile {
  if (dataset !== undefined) {
    const ds = catalog.get(dataset);
    if (!ds) throw invalidParameter('dataset', `one of ${[...catalog.datasets.keys()].join(', ')}`, dataset);
    const f = ds.files.get(name);
    if (!f) throw notFound(name);
    return f;
  }
  const found = [...catalog.datasets.values()].flatMap((ds) => ds.files.get(name) ?? []);
  if (found.length === 0) throw notFound(name);
  if (found.length > 1) throw new ApiError('ERR_MISSING_PARAMETER', `Missing parameter dataset: several datasets hold ${JSON.stringify(name)}`, { param: 'dataset' });
  return found[0]!;
}

function notFound(name: string): ApiError {
  return new ApiError('ERR_NOT_FOUND', `No file ${JSON.stringify(name)}: only the shards, index files and ${MANIFEST_FILE} of a manifest are served`);
}

/**
 * `GET, HEAD /v1/shards/{name}` (optionally `?dataset=`) and `/v1/datasets/{dataset}/{name}`
 * (a base URL per dataset that reads like a static shard-set folder). Names are looked up
 * exactly in the manifest's list; nothing is joined to a path.
 */
export function registerFileRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.route({
    method: ['GET', 'HEAD'],
    url: '/v1/shards/:name',
    handler: async (request, reply) => {
      const values = singleValues(request.query as Query, ['dataset']);
      const { name } = request.params as { name: string };
      return sendFile(request, reply, lookup(ctx.catalog, name, values.get('dataset')), ctx.limits.maxRanges);
    },
  });
  app.route({
    method: ['GET', 'HEAD'],
    url: '/v1/datasets/:dataset/:name',
    handler: async (request, reply) => {
      singleValues(request.query as Query, []);
      const { dataset, name } = request.params as { dataset: string; name: string };
      const ds = ctx.catalog.get(dataset);
      if (!ds) throw new ApiError('ERR_NOT_FOUND', `No dataset ${JSON.stringify(dataset)}`);
      const file = ds.files.get(name);
      if (!file) throw notFound(name);
      return sendFile(request, reply, file, ctx.limits.maxRanges);
    },
  });
}
