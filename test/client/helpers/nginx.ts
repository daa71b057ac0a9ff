// Starts a real nginx on 127.0.0.1 serving a directory, as a child process with a generated
// config; every path it writes (pid, logs, temp) is in its own temp directory.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface Nginx {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** Access log lines so far: `<request line> <Range header> <status> <bytes sent>`. */
  accessLog(): Promise<string[]>;
  close(): Promise<void>;
}

/** The nginx binary: /usr/sbin/nginx (Debian's), else the first on PATH. Throws with how to install it. */
export function findNginx(): string {
  const candidates = ['/usr/sbin/nginx', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'nginx'))];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  throw new Error('nginx is not installed (looked for /usr/sbin/nginx and nginx on PATH); the direct-HTTP tests need it: apt-get install -y --no-install-recommends nginx-light (.ci/run installs it)');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Serve `root` with nginx on 127.0.0.1; `extra` goes into the server block. */
export async function startNginx(root: string, extra = ''): Promise<Nginx> {
  const bin = findNginx();
  const built = execFileSync(bin, ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const tmp = await mkdtemp(join(tmpdir(), 'nginx-'));
  // Workers may run as another user (nobody) when the tests run as root: let them read the set.
  await chmod(root, 0o755);
  const port = await freePort();
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .filter((m) => m === 'client_body' || !built.includes(`--without-http_${m}_module`))
    .map((m) => `  ${m}_temp_path ${join(tmp, m)};`)
    .join('\n');
  const conf = join(tmp, 'nginx.conf');
  await writeFile(
    conf,
    `worker_processes 1;
pid ${join(tmp, 'nginx.pid')};
error_log ${join(tmp, 'error.log')} warn;
events { worker_connections 128; }
http {
  log_format ranges '$request "$http_range" $status $body_bytes_sent';
  access_log ${join(tmp, 'access.log')} ranges;
${temps}
  types { application/json json; text/plain index; }
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    root ${root};
${extra}
  }
}
`,
  );
  const child: ChildProcess = spawn(bin, ['-c', conf, '-p', tmp, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr.trim() || (await readFile(join(tmp, 'error.log'), 'utf8').catch(() => ''))}`);
    try {
      await fetch(`${url}__ready`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not answer on ${url} within 10 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    async accessLog() {
      return (await readFile(join(tmp, 'access.log'), 'utf8').catch(() => '')).split('\n').filter((l) => l && !l.includes('__ready'));
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
