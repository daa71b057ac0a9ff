/**
 * Test and bench helper: run nginx (the Debian package, `nginx-light` is enough) as a child
 * process serving a folder on 127.0.0.1 with a free port, with a generated config in a temp
 * folder. Returns undefined when no nginx binary is installed.
 *
 * ```ts
 * const nginx = await startNginx({ root: set.dir });
 * if (nginx) { await fetch(`${nginx.url}/manifest.json`); await nginx.stop(); }
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** A running nginx. */
export interface NginxServer {
  /** `http://127.0.0.1:<port>`; the served folder is its root. */
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Where nginx is, or undefined. */
export function findNginx(): string | undefined {
  return ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find((p) => existsSync(p));
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Start nginx serving `root`; `workers` worker processes. @default workers 1 */
export async function startNginx(options: { root: string; workers?: number }): Promise<NginxServer | undefined> {
  const bin = findNginx();
  if (!bin) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'shardstream-nginx-'));
  const port = await freePort();
  // As root, workers would drop to `nobody`, who cannot read a mkdtemp (0700) folder.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const conf = `
${user}
worker_processes ${options.workers ?? 1};
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { application/json json; text/plain index; application/octet-stream tfrecord; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 10;
  server {
    listen 127.0.0.1:${port};
    root ${resolve(options.root)};
    autoindex off;
    location / { }
  }
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(bin, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${url}/`, { method: 'HEAD' });
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`nginx did not answer on ${url}: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
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
