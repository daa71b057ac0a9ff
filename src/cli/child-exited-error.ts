import { ShardstreamError } from '../core/errors.js';

/** A process a command started exited unsuccessfully (or before it was ready): names the command. */
export class ChildExitedError extends ShardstreamError {
  /** The command line, e.g. `mnist-convert --out data/mnist`. */
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;

  constructor(command: string, exitCode: number | null, signal: string | null, when = '') {
    super('ERR_CHILD_EXITED', `${command} exited with ${signal ?? exitCode}${when}`);
    this.command = command;
    this.exitCode = exitCode;
    this.signal = signal;
  }
}
