import { ShardstreamError } from '../core/errors.js';
import type { GpuDiagnosis } from './gpu-diagnosis.js';

/** A GPU was required (`requireGpu`, `--require-gpu`) and TensorFlow uses none: the message is the full diagnosis. */
export class GpuUnavailableError extends ShardstreamError {
  /** The facts and the report behind the message. */
  readonly diagnosis: GpuDiagnosis;

  constructor(diagnosis: GpuDiagnosis) {
    super('ERR_GPU_UNAVAILABLE', `backend tensorflow: a GPU was required and none is used: ${diagnosis.summary}\n${diagnosis.lines.join('\n')}`);
    this.diagnosis = diagnosis;
  }
}
