import { ShardstreamError } from '../core/errors.js';

/** A TensorFlow.js backend that was asked for by name and could not be loaded. */
export class BackendUnavailableError extends ShardstreamError {
  /** The backend that was asked for, e.g. `tensorflow`. */
  readonly backend: string;

  constructor(backend: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_BACKEND_UNAVAILABLE', `backend ${backend}: ${reason}`, options);
    this.backend = backend;
  }
}
