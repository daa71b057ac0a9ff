/**
 * Test helper: run the built `shard-server` bin (`node bin/shard-server.js`, which needs
 * `npx tsc -p tsconfig.build.json` first) as a child process on 127.0.0.1 and a free port.
 *
 * ```ts
 * const proc = await startServerProcess(['--data', set.dir, '--cache-mb', '8']);
 * await fetch(`${proc.url}/healthz`);
 * proc.rssBytes();             // the child's resident set size, from /proc/<pid>/status
 * const code = await proc.stop('SIGTERM');   // exit code
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listeningUrl } from '../../src/cli/listening-line.js';

/** A running shard-server child. */
export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resident set size in bytes (Linux /proc), or NaN elsewhere. */
  rssBytes(): number;
  /** Send `signal` and wait for the exit; resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** The bin, from the package root (the current directory under vitest). */
export const SERVER_BIN = join(process.cwd(), 'bin', 'shard-server.js');

/** Start `node bin/shard-server.js --host 127.0.0.1 --port 0 ...args` (a later `--port` wins); resolves once it printed its URL. */
export async function startServerProcess(args: readonly string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  if (!existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'shard-server.js'))) {
    throw new Error('dist/src/cli/shard-server.js is missing: build first with `npx tsc -p tsconfig.build.json`');
  }
  const child = spawn(process.execPath, [SERVER_BIN, '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`shard-server did not start in 20 s:\n${out}\n${err}`)), 20_000);
    const check = (): void => {
      const listening = listeningUrl(out);
      if (listening !== undefined) {
        clearTimeout(timer);
        resolve(listening);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`shard-server exited with ${code}:\n${out}\n${err}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    child,
    stdout: () => out,
    stderr: () => err,
    rssBytes: () => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : NaN;
      } catch {
        return NaN;
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
