import type * as tfjs from '@tensorflow/tfjs';
import { InvalidInputError } from '../../core/errors.js';
import type { TensorBatch } from '../../shards/tensor-batch.js';
import type { SelectedBackend } from '../backend.js';
import type { GanStepResult } from '../gan-step.js';
import type { StepInfo } from '../train-options.js';
import type { OpenRun } from './open-run.js';

/** One step of an epoch, as {@link epochSteps} yields it. */
export interface EpochStep {
  /** The batch of the epoch it trained on, zero-based. */
  readonly batch: number;
  /** What `onStep` is told. */
  readonly info: StepInfo;
  /** `performance.now()` once the epoch's stream was open: the start of the epoch's clock. */
  readonly epochStart: number;
}

/**
 * The steps of `epoch` from batch `startBatch` on, the first being step `firstStep` of the run:
 * every batch of the epoch's stream turned into model input and trained on, with the epoch's
 * throughput and data wait so far. The stream is closed when the steps end or the caller leaves.
 */
export async function* epochSteps(run: OpenRun, epoch: number, startBatch: number, firstStep: number): AsyncGenerator<EpochStep, void, undefined> {
  const { o, stepsPerEpoch } = run;
  if (startBatch >= stepsPerEpoch) throw new InvalidInputError(run.start.checkpoint ?? run.layout.root, `checkpoint batch ${startBatch} is past the ${stepsPerEpoch} steps of an epoch`);
  const stream = await run.stream(epoch, startBatch);
  try {
    const epochStart = performance.now();
    let waited = 0;
    let images = 0;
    const iterator = stream[Symbol.asyncIterator]();
    for (let batch = startBatch; batch < stepsPerEpoch; batch++) {
      const t0 = performance.now();
      const next = await iterator.next();
      waited += performance.now() - t0;
      if (next.done) throw new InvalidInputError(stream.location, `the stream ended after ${batch} of ${stepsPerEpoch} batches of epoch ${epoch}`);
      const real = toModelInput(run.backend, next.value, o.size);
      let result: GanStepResult;
      try {
        result = await run.stepper.step(real, o.seed, firstStep + batch - startBatch);
      } finally {
        real.dispose();
      }
      images += next.value.shape[0];
      const seconds = (performance.now() - epochStart) / 1000;
      yield { batch, epochStart, info: { ...result, epoch, step: batch + 1, stepsPerEpoch, imagesPerSecond: images / seconds, waitShare: waited / 1000 / seconds } };
    }
  } finally {
    await stream.close();
  }
}

/** uint8 NHWC → float [-1, 1] at the model's size. */
function toModelInput(backend: SelectedBackend, batch: TensorBatch, size: number): tfjs.Tensor4D {
  const tf = backend.tf;
  return tf.tidy(() => {
    const [n, h, w, c] = batch.shape;
    const x = tf.tensor4d(batch.images, [n, h, w, c], 'int32').toFloat().div(127.5).sub(1) as tfjs.Tensor4D;
    return h === size && w === size ? x : tf.image.resizeBilinear(x, [size, size]);
  });
}
