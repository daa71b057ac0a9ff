import { mkdir } from 'node:fs/promises';
import type * as tfjs from '@tensorflow/tfjs';
import { openBatchStream, type BatchStream } from '../../client/batches.js';
import { InvalidInputError } from '../../core/errors.js';
import { selectBackend, type SelectedBackend } from '../backend.js';
import { createOptimizers, type GanModels, type GanOptimizers } from '../gan-step.js';
import { buildDcgan, type Dcgan } from '../model.js';
import { writeLossCsv } from '../outputs/loss-log.js';
import { createGanStepper, type GanStepper } from '../parallel/gan-stepper.js';
import { resolveThreads } from '../parallel/thread-count.js';
import { batchOptions, type ResolvedTrainOptions } from '../resolve-train-options.js';
import { runLayout, saveNameFor, type RunLayout } from '../run-layout.js';
import { deriveSeed } from '../seeds.js';
import { resumeRun, type ResumePoint } from './resume.js';
import { startPosition } from './run-position.js';

/** Label of the random stream of the 16 fixed grid noise vectors. */
const GRID_NOISE_STREAM = 5;

/** A run ready to train: backend, data, model, outputs folder and where it starts. */
export interface OpenRun {
  readonly o: ResolvedTrainOptions;
  readonly backend: SelectedBackend;
  readonly layout: RunLayout;
  /** Steps of every epoch (the batches of the data, at most `stepsPerEpoch`). */
  readonly stepsPerEpoch: number;
  readonly dcgan: Dcgan;
  readonly models: GanModels;
  readonly optimizers: GanOptimizers;
  /** The 16 fixed noise vectors of the epoch grids. */
  readonly gridNoise: tfjs.Tensor2D;
  readonly stepper: GanStepper;
  /** The position, loss rows and checkpoint the run starts from (fresh, or resumed). */
  readonly start: ResumePoint;
  /** The stream of `epoch` from batch `startBatch`: the one opened to read the manifest when it is that one, else a new one. */
  stream(epoch: number, startBatch: number): Promise<BatchStream>;
  /** Closes the first stream if no epoch took it, and the stepper; frees the grid noise. */
  close(): Promise<void>;
  /** Frees the models and optimizers. */
  dispose(): void;
}

/**
 * Selects the backend, opens the data (its manifest gives the image shape and the SaveName), builds
 * the model, resumes from the newest checkpoint when asked, writes the loss CSV so far, tells
 * `onStart`, and starts the training threads from the (resumed) state.
 */
export async function openRun(o: ResolvedTrainOptions): Promise<OpenRun> {
  const backend = await selectBackend(o.backend, { requireGpu: o.requireGpu });
  const tf = backend.tf;
  const stream = await openBatchStream(batchOptions(o, 0, 0));
  let first: BatchStream | undefined = stream;
  try {
    const channels = stream.manifest.image.channels;
    const layout = runLayout(o.out, saveNameFor(stream.manifest, { imageType: o.imageType, bbox: o.bbox }));
    const stepsPerEpoch = Math.min(stream.batchesPerEpoch, o.stepsPerEpoch ?? Infinity);
    if (stepsPerEpoch < 1) throw new InvalidInputError(stream.location, `${stream.records} records make no batch of ${o.batchSize}×${o.world} trainers`);

    const dcgan = buildDcgan({ size: o.size, channels, noiseDim: o.noiseDim, widthMult: o.widthMult, seed: o.seed });
    const models = { generator: dcgan.generator, discriminator: dcgan.discriminator };
    const optimizers = createOptimizers(o.lr);
    const gridNoise = tf.randomNormal([16, o.noiseDim], 0, 1, 'float32', deriveSeed(o.seed, GRID_NOISE_STREAM)) as tfjs.Tensor2D;
    const fresh = startPosition({ saveName: layout.saveName, model: { size: o.size, channels, noiseDim: o.noiseDim, widthMult: o.widthMult }, seed: o.seed, batchSize: o.batchSize, lrSchedule: o.lrSchedule });
    const start = o.resume ? await resumeRun(layout, models, optimizers, fresh, o.log) : { position: fresh, rows: [], checkpoint: undefined };
    const generatorParams = dcgan.generator.countParams();
    const discriminatorParams = dcgan.discriminator.countParams();
    const threads = resolveThreads(o.threads, backend.name, o.batchSize, generatorParams + discriminatorParams);
    await mkdir(layout.plotDir, { recursive: true });
    await writeLossCsv(layout.lossCsv, start.rows);
    o.onStart?.({
      backend,
      threads,
      layout,
      records: stream.records,
      stepsPerEpoch,
      startEpoch: start.position.epoch,
      startBatch: start.position.batch,
      mode: stream.mode,
      location: stream.location,
      generatorParams,
      discriminatorParams,
    });
    // after onStart and the resume: the replicas start from the main thread's (resumed) state
    const stepper = await createGanStepper({ threads, backend: backend.name, models, optimizers, model: dcgan.options });
    return {
      o,
      backend,
      layout,
      stepsPerEpoch,
      dcgan,
      models,
      optimizers,
      gridNoise,
      stepper,
      start,
      async stream(epoch, startBatch) {
        const reuse = first !== undefined && epoch === 0 && startBatch === 0 ? first : undefined;
        if (!reuse) await first?.close();
        first = undefined;
        return reuse ?? openBatchStream(batchOptions(o, epoch, startBatch));
      },
      async close() {
        await first?.close();
        first = undefined;
        await stepper.close();
        gridNoise.dispose();
      },
      dispose() {
        dcgan.generator.dispose();
        dcgan.discriminator.dispose();
        optimizers.generator.dispose();
        optimizers.discriminator.dispose();
      },
    };
  } catch (error) {
    await first?.close();
    throw error;
  }
}
