import type { FastifyInstance } from 'fastify';
import { STREAM_HEADERS } from '../../shards/stream-protocol.js';
import { METRICS_CONTENT_TYPE } from '../../core/metrics.js';
import type { ServerContext } from '../context.js';
import { datasetParam, singleValues, type Query } from '../http/query.js';
import { sendFile } from './files.js';

/** `/healthz`, `/metrics`, `/v1/datasets` and `/v1/manifest`. */
export function registerMetaRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', async (request, reply) => {
    singleValues(request.query as Query, []);
    return reply.header('cache-control', 'no-store').send({ status: ctx.isClosing() ? 'closing' : 'ok' });
  });

  app.get('/metrics', async (request, reply) => {
    singleValues(request.query as Query, []);
    return reply.header('content-type', METRICS_CONTENT_TYPE).header('cache-control', 'no-store').send(ctx.metrics.registry.expose());
  });

  app.get('/v1/datasets', async (request, reply) => {
    singleValues(request.query as Query, []);
    const datasets = [...ctx.catalog.datasets.values()].map((ds) => ({
      name: ds.name,
      records: ds.records,
      manifest_sha256: ds.manifestSha256,
      image: ds.manifest.image,
      partitions: ds.manifest.partitions.map((p) => ({ name: p.name, records: p.records, shards: p.shards.length })),
    }));
    return reply.send({ datasets });
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/v1/manifest',
    handler: async (request, reply) => {
      const ds = datasetParam(singleValues(request.query as Query, ['dataset']), ctx.catalog);
      reply.header(STREAM_HEADERS.fingerprint, ds.manifestSha256);
      return sendFile(request, reply, ds.manifestFile, ctx.limits.maxRanges);
    },
  });
}
