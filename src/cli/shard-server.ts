import { Option } from 'commander';
import { DEFAULT_LIMITS, type ShardServerLimits } from '../server/options.js';
import { createProgram, parseCount, parsePositive, runCli } from './run-cli.js';
import { listeningLine } from './listening-line.js';

// The server (fastify, sharp, the readers) is imported inside the action, so that --help,
// --version and a usage error load only commander (start-up time, issue 13).

interface Options {
  data: string;
  host: string;
  port: number;
  token?: string;
  maxStreams: number;
  maxBatchSize: number;
  readAhead: number;
  readAheadMb: number;
  cacheMb: number;
  imageCacheMb: number;
  decodeConcurrency: number;
  verifyRecords: boolean;
  maxRanges: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  stallTimeout: number;
  retryAfter: number;
  accessLog: boolean;
  preload: boolean;
  verify: boolean;
}

const MiB = 1024 * 1024;

const program = createProgram('shard-server', 'Serve TFRecord shard sets over HTTP: files with Range requests, and deterministic shuffled batch streams (docs/server.md).')
  .requiredOption('-d, --data <dir>', 'folder with one shard set (manifest.json at its root) or one shard set per sub-folder')
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('-p, --port <port>', 'port (0 picks a free one)', parseCount, 8080)
  .addOption(new Option('--token <token>', 'require Authorization: Bearer <token> on every route but /healthz').env('SHARDSTREAM_TOKEN'))
  .option('--max-streams <n>', 'concurrent streams; more get 503 with Retry-After', parsePositive, DEFAULT_LIMITS.maxStreams)
  .option('--max-batch-size <n>', 'largest batch_size accepted', parsePositive, DEFAULT_LIMITS.maxBatchSize)
  .option('--read-ahead <batches>', 'batches a stream prepares ahead of its client', parsePositive, DEFAULT_LIMITS.readAhead)
  .option('--read-ahead-mb <MiB>', 'bytes a stream prepares ahead of its client', parsePositive, DEFAULT_LIMITS.readAheadBytes / MiB)
  .option('--cache-mb <MiB>', 'record cache shared by all streams (0 disables it)', parseCount, DEFAULT_LIMITS.cacheBytes / MiB)
  .option('--image-cache-mb <MiB>', 'decoded images kept for format=tensor streams (0 disables it)', parseCount, DEFAULT_LIMITS.imageCacheBytes / MiB)
  .option('--decode-concurrency <n>', 'images decoded at once over all streams', parsePositive, DEFAULT_LIMITS.decodeConcurrency)
  .option('--preload', 'once listening, read every dataset that fits in the record cache into it, so even the first epoch is served from memory', false)
  .option('--verify', "before listening, read every shard set in full: each shard's size, sha256 and record count against the manifest, every record's CRCs, every index line; any problem refuses to start", false)
  .option('--no-verify-records', 'do not check the CRCs of records read from disk (clients still check them)')
  .option('--max-ranges <n>', 'most ranges in one multipart response; more get the whole file', parsePositive, DEFAULT_LIMITS.maxRanges)
  .option('--request-timeout <s>', 'seconds to receive a whole request', parsePositive, DEFAULT_LIMITS.requestTimeoutMs / 1000)
  .option('--keep-alive-timeout <s>', 'seconds an idle keep-alive connection stays open', parsePositive, DEFAULT_LIMITS.keepAliveTimeoutMs / 1000)
  .option('--stall-timeout <s>', 'seconds a connection may make no progress (the kernel takes no byte: a client reading less than one TCP segment, ~1.4 KB, per this time) before it is cut', parsePositive, DEFAULT_LIMITS.stallTimeoutMs / 1000)
  .option('--retry-after <s>', 'Retry-After seconds sent with 503', parseCount, DEFAULT_LIMITS.retryAfterSeconds)
  .option('--no-access-log', 'do not print a line per request')
  .action(async (opts: Options) => {
    const [{ createShardServer }, { createProgressBar }] = await Promise.all([import('../server/index.js'), import('../core/progress.js')]);
    const limits: ShardServerLimits = {
      maxStreams: opts.maxStreams,
      maxBatchSize: opts.maxBatchSize,
      readAhead: opts.readAhead,
      readAheadBytes: opts.readAheadMb * MiB,
      cacheBytes: opts.cacheMb * MiB,
      imageCacheBytes: opts.imageCacheMb * MiB,
      decodeConcurrency: opts.decodeConcurrency,
      verifyRecords: opts.verifyRecords,
      maxRanges: opts.maxRanges,
      requestTimeoutMs: opts.requestTimeout * 1000,
      keepAliveTimeoutMs: opts.keepAliveTimeout * 1000,
      stallTimeoutMs: opts.stallTimeout * 1000,
      retryAfterSeconds: opts.retryAfter,
    };
    const server = await createShardServer({
      data: opts.data,
      host: opts.host,
      port: opts.port,
      ...(opts.token ? { token: opts.token } : {}),
      ...(opts.accessLog ? {} : { accessLog: false }),
      preload: opts.preload,
      verify: opts.verify,
      ...(opts.verify ? { progress: createProgressBar({ label: 'verify', unit: 'B' }) } : {}),
      ...limits,
    });
    const out: string[] = [listeningLine(server.url, Boolean(opts.token))];
    for (const ds of server.datasets) {
      const parts = ds.partitions.map((p) => `${p.name} ${p.records} in ${p.shards} shard${p.shards === 1 ? '' : 's'}`).join(', ');
      out.push(`dataset ${ds.name}: ${ds.records} records (${parts}) from ${ds.dir}`);
    }
    process.stdout.write(`${out.join('\n')}\n`);

    await new Promise<void>((resolve) => {
      let signalled = false;
      const onSignal = (signal: NodeJS.Signals): void => {
        if (signalled) {
          process.stderr.write(`shard-server: ${signal} again, exiting now\n`);
          process.exit(1);
        }
        signalled = true;
        process.stdout.write(`shard-server: ${signal}, closing\n`);
        server.close().then(resolve, (error: unknown) => {
          process.stderr.write(`shard-server: close failed: ${(error as Error).message}\n`);
          process.exitCode = 1;
          resolve();
        });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    process.stdout.write('shard-server: closed\n');
  });

await runCli(program);
