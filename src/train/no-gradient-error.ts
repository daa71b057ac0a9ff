import { ShardstreamError } from '../core/errors.js';

/** A trainable weight of a model got no gradient in a training step (its loss does not depend on it). */
export class NoGradientError extends ShardstreamError {
  /** The model's name, e.g. `generator`. */
  readonly model: string;
  /** The weight's variable name. */
  readonly weight: string;

  constructor(model: string, weight: string) {
    super('ERR_NO_GRADIENT', `${model}: weight ${weight} got no gradient`);
    this.model = model;
    this.weight = weight;
  }
}
