// Runs helpers/server-child.ts in a child process (real kill and restart for fault tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const register = fileURLToPath(new URL('./ts-register.mjs', import.meta.url));
const child = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Access-log lines so far. */
  readonly access: string[];
  /** SIGKILL: the server dies mid-response, like a crash. */
  kill(): Promise<void>;
  /** SIGTERM: the server closes itself. */
  stop(): Promise<void>;
}

/** Start a shard-server process on `port` (0: any) and wait until it listens. */
export async function spawnServer(data: string, options: { port?: number; token?: string } = {}): Promise<ServerProcess> {
  const proc: ChildProcess = spawn(process.execPath, ['--import', register, child, data, String(options.port ?? 0), options.token ?? ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  const access: string[] = [];
  let stderr = '';
  let buffered = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`shard-server process did not start within 30 s: ${stderr}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('READY ')) {
          clearTimeout(timer);
          resolve(line.slice(6));
        } else if (line.startsWith('ACCESS ')) access.push(line.slice(7));
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`shard-server process exited with ${code}: ${stderr}`));
    });
  });
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return { url, port: Number(new URL(url).port), access, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
