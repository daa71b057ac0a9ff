// A stand-in shard-server for fault tests: it serves /v1/manifest and /v1/stream of a synthetic
// set by the contract of DESIGN §5, and lets a test break any one request in a chosen way.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { encodeTensorBatch } from '../../../src/shards/tensor-batch.js';
import { encodeRecord } from '../../../src/tfrecord/framing.js';
import type { SyntheticShardSet } from '../../helpers/shard-set.js';
import { expectedBatch, shufflePlan, type PlanFor } from './expected.js';
import { batchRecordIds, permutation } from '../../../src/shards/shuffle.js';

/** One request the fake server got. */
export interface SeenRequest {
  /** 0-based count over all requests. */
  readonly n: number;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** How to break a request; undefined serves it normally. */
export type Fault =
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  /** Send `batches` whole batches and half the next one, then cut the connection. */
  | { readonly kind: 'drop'; readonly batches: number }
  /** End the response cleanly after `batches` batches. */
  | { readonly kind: 'end'; readonly batches: number }
  /** Send `batches` batches, then nothing (the connection stays open). */
  | { readonly kind: 'stall'; readonly batches: number }
  /** Send batch k+1 where batch k belongs. */
  | { readonly kind: 'skip' };

export interface FakeServerOptions {
  readonly token?: string;
  /** The manifest fingerprint sent with request `n`. @default the manifest's sha256 */
  readonly fingerprint?: (n: number) => string;
  readonly fault?: (req: SeenRequest) => Fault | undefined;
  /** Headers that override those of a stream response. */
  readonly streamHeaders?: Record<string, string>;
}

export interface FakeServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(set: SyntheticShardSet, options: FakeServerOptions = {}): Promise<FakeServer> {
  const manifestBytes = readFileSync(set.shardPath('manifest.json'));
  const sha = createHash('sha256').update(manifestBytes).digest('hex');
  const shards = new Map<string, Buffer>();
  const framed = (id: number): Buffer => {
    const loc = set.locate(id);
    let bytes = shards.get(loc.shard);
    if (!bytes) shards.set(loc.shard, (bytes = readFileSync(set.shardPath(loc.shard))));
    return bytes.subarray(loc.offset, loc.offset + loc.size);
  };
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const seen: SeenRequest = { n: requests.length, path: url.pathname, query: url.searchParams, headers: req.headers };
    requests.push(seen);
    const json = (status: number, code: string, message: string, param?: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error: { code, ...(param ? { param } : {}), message } }));
    };
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) return json(401, 'ERR_UNAUTHORIZED', 'a valid bearer token is required');
    const fault = options.fault?.(seen);
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(fault.body ?? JSON.stringify({ error: { code: 'ERR_TEST', message: `fault ${fault.status}` } }));
      return;
    }
    const fingerprint = options.fingerprint?.(seen.n) ?? sha;
    if (url.pathname === '/v1/manifest') {
      res.writeHead(200, { 'content-type': 'application/json', etag: `"${sha}"` }).end(manifestBytes);
      return;
    }
    if (url.pathname !== '/v1/stream') return json(404, 'ERR_NOT_FOUND', `no route ${url.pathname}`);
    const q = url.searchParams;
    const num = (name: string, def: number): number => Number(q.get(name) ?? def);
    const plan: PlanFor = {
      batchSize: num('batch_size', 0),
      seed: num('seed', 0),
      world: num('world', 1),
      rank: num('rank', 0),
      dropRemainder: q.get('drop_remainder') !== 'false',
      partitions: (q.get('partitions') ?? set.manifest.partitions.map((p) => p.name).join(',')).split(','),
    };
    if (!(plan.batchSize >= 1)) return json(400, 'ERR_INVALID_PARAMETER', `Expected an integer from 1 to 4096 for batch_size but received ${JSON.stringify(q.get('batch_size'))} of type string`, 'batch_size');
    const { partitions, shuffle, batches } = shufflePlan(set, plan);
    const epoch = num('epoch', 0);
    const start = num('start_batch', 0);
    const format = q.get('format') ?? 'records';
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'x-shardstream-records': String(shuffle.records),
      'x-shardstream-batches': String(batches),
      'x-shardstream-manifest-sha256': fingerprint,
      ...options.streamHeaders,
    });
    const perm = permutation(shuffle.records, plan.seed, epoch);
    const bytesOf = (k: number): Buffer =>
      format === 'tensor'
        ? encodeRecord(encodeTensorBatch(expectedBatch(set, plan, epoch, k)))
        : Buffer.concat(Array.from(batchRecordIds(perm, shuffle, k), (id) => framed(set.manifestId(partitions, id))));
    void send(res, start, batches, bytesOf, fault);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function send(res: ServerResponse, start: number, batches: number, bytesOf: (k: number) => Buffer, fault: Fault | undefined): Promise<void> {
  for (let k = start, sent = 0; k < batches; k++, sent++) {
    if (fault?.kind === 'end' && sent === fault.batches) break;
    if (fault?.kind === 'stall' && sent === fault.batches) return;
    if (fault?.kind === 'drop' && sent === fault.batches) {
      const half = bytesOf(k);
      res.write(half.subarray(0, Math.max(1, half.length >> 1)));
      await new Promise((r) => setTimeout(r, 5));
      res.socket?.destroy();
      return;
    }
    const bytes = bytesOf(fault?.kind === 'skip' && sent === 1 ? k + 1 : k);
    if (!res.write(bytes)) await new Promise((r) => res.once('drain', r));
    if (res.destroyed) return;
    await new Promise((r) => setImmediate(r));
  }
  res.end();
}
