// A shard-server in its own process, so that a test can kill it (SIGKILL) like a crash.
// argv: <data dir> <port> [token]. Prints `READY <url>` once listening, and access-log lines.
import { createShardServer } from '../../../src/server/index.js';

const [data, port, token] = process.argv.slice(2);
const server = await createShardServer({
  data: data!,
  host: '127.0.0.1',
  port: Number(port ?? 0),
  ...(token ? { token } : {}),
  accessLog: (line) => void process.stdout.write(`ACCESS ${line}\n`),
  log: () => undefined,
});
process.stdout.write(`READY ${server.url}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
