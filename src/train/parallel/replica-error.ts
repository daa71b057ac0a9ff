import { ShardstreamError } from '../../core/errors.js';

/** A training thread failed: its own error, or the step it could not finish. */
export class TrainingThreadError extends ShardstreamError {
  /** Which thread (0-based). */
  readonly thread: number;

  constructor(thread: number, message: string, options?: { cause?: unknown }) {
    super('ERR_TRAINING_THREAD', `training thread ${thread}: ${message}`, options);
    this.thread = thread;
  }
}

/** Thrown inside a replica whose exchange was aborted because another replica (or the main thread) gave up. */
export class ExchangeAbortedError extends ShardstreamError {
  /** The replica that gave up, e.g. `replica 1`. */
  readonly where: string;

  constructor(where: string) {
    super('ERR_EXCHANGE_ABORTED', `${where}: another training thread failed, this step is abandoned`);
    this.where = where;
  }
}
