/**
 * Test and bench helper: run nginx (the Debian package; `nginx-light` is enough) as a child
 * process serving a folder on 127.0.0.1 on a free port, with a generated config; every path it
 * writes (pid, logs, temp files) is in its own temp folder.
 *
 * ```ts
 * const nginx = await startNginx({ root: set.dir });
 * await fetch(`${nginx.url}/manifest.json`);
 * await nginx.close();
 * ```
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/** Options of {@link startNginx}. */
export interface NginxOptions {
  /** The folder served as the site's root. */
  readonly root: string;
  /** Worker processes. @default 1 */
  readonly workers?: number;
  /** Keep an access log (`<request line> "<Range>" <status> <bytes sent>`), read with `accessLog()`. @default false */
  readonly accessLog?: boolean;
  /** Directives added to the server block. @default '' */
  readonly extra?: string;
}

/** A running nginx. */
export interface Nginx {
  /** `http://127.0.0.1:<port>` (no trailing slash); the served folder is its root. */
  readonly url: string;
  /** The master process. */
  readonly pid: number;
  /** Access log lines so far (empty unless started with `accessLog: true`). */
  accessLog(): Promise<string[]>;
  close(): Promise<void>;
}

/** The nginx binary: Debian's /usr/sbin/nginx, else the first on PATH; undefined when there is none. */
export function findNginx(): string | undefined {
  const candidates = ['/usr/sbin/nginx', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'nginx'))];
  return candidates.find((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Start nginx serving `options.root`; throws, saying how to install it, when nginx is missing. */
export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const bin = findNginx();
  if (bin === undefined) {
    throw new Error('nginx is not installed (looked for /usr/sbin/nginx and nginx on PATH): apt-get install -y --no-install-recommends nginx-light (.ci/run installs it)');
  }
  const built = execFileSync(bin, ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const dir = await mkdtemp(join(tmpdir(), 'shardstream-nginx-'));
  const port = await freePort();
  // nginx-light lacks some modules, and a temp path for a missing module is a config error.
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .filter((m) => m === 'client_body' || !built.includes(`--without-http_${m}_module`))
    .map((m) => `  ${m}_temp_path ${join(dir, m)};`)
    .join('\n');
  // As root, workers would drop to `nobody`, who cannot read a mkdtemp (0700) folder.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const log = join(dir, 'access.log');
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `${user}
worker_processes ${options.workers ?? 1};
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
http {
  log_format ranges '$request "$http_range" $status $body_bytes_sent';
  access_log ${options.accessLog ? `${log} ranges` : 'off'};
${temps}
  types { application/json json; text/plain index; application/octet-stream tfrecord; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    root ${resolve(options.root)};
    autoindex off;
${options.extra ?? ''}
  }
}
`,
  );
  const child: ChildProcess = spawn(bin, ['-c', conf, '-p', dir, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr.trim() || (await readFile(join(dir, 'error.log'), 'utf8').catch(() => ''))}`);
    try {
      await (await fetch(`${url}/__ready`)).arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nginx did not answer on ${url} within 10 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid!,
    async accessLog() {
      return (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => l && !l.includes('__ready'));
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
