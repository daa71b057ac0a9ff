/**
 * Test helper: run the built `shard-server` bin until it either listens (then stop it with
 * SIGTERM) or exits by itself — for tests of what it refuses to start on.
 *
 * ```ts
 * const run = await startOrExit(['--data', dir, '--verify']);
 * run.listened   // false when it refused
 * run.code       // its exit code (or the signal name)
 * ```
 */
import { spawn } from 'node:child_process';
import { listeningUrl } from '../../src/cli/listening-line.js';
import { SERVER_BIN } from './server-process.js';

/** What a run of {@link startOrExit} printed and whether it listened. */
export interface StartOrExit {
  readonly listened: boolean;
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `node bin/shard-server.js --host 127.0.0.1 --port 0 ...args` until it listens or exits. */
export function startOrExit(args: readonly string[]): Promise<StartOrExit> {
  const child = spawn(process.execPath, [SERVER_BIN, '--host', '127.0.0.1', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let listened = false;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (!listened && listeningUrl(stdout) !== undefined) {
      listened = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ listened, code: code ?? signal ?? -1, stdout, stderr })));
}
