import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openBatchStream, type BatchStream } from '../client/batches.js';
import type { BatchesOptions, StreamFormat } from '../client/options.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { definedOnly } from '../core/defined-only.js';
import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import type { TensorBatch } from '../shards/tensor-batch.js';
import { selectBackend, type BackendPreference, type SelectedBackend } from './backend.js';
import { loadGan, saveGan, type CheckpointMeta } from './checkpoint.js';
import { createOptimizers, setLearningRate, type GanStepResult } from './gan-step.js';
import { scheduledLearningRate, type LrSchedule } from './lr-schedule.js';
import { buildDcgan, type Dcgan } from './model.js';
import { createGanStepper } from './parallel/gan-stepper.js';
import { resolveThreads } from './parallel/thread-count.js';
import { writeAnimatedGif } from './outputs/gif.js';
import { writeImageGrid } from './outputs/image-grid.js';
import { lossRowsToResume, writeLossCsv, type LossRow } from './outputs/loss-log.js';
import { writeLossPlot, writeProbabilityPlot } from './outputs/plots.js';
import { startEpochEval, type EpochEval, type EpochEvalOptions } from '../eval/epoch-eval.js';
import { runLayout, saveNameFor, type RunLayout } from './run-layout.js';
import { deriveSeed } from './seeds.js';
import { TRAIN_DEFAULTS } from './train-defaults.js';

/** Options of {@link train}; the defaults are the reference run (DESIGN §7). */
export interface TrainOptions {
  /** A shard-server URL, the base URL of a shard set (nginx, S3), or a local shard-set folder. */
  readonly data: string;
  /** @default the manifest's dataset */
  readonly dataset?: string;
  /** Partitions to train on, in numbering order. @default all of the manifest's */
  readonly partitions?: readonly string[];
  /** SaveName's image type. @default from the manifest (`MNIST` for MNIST) */
  readonly imageType?: string;
  /** SaveName's bbox flag. @default from the manifest */
  readonly bbox?: boolean;
  /** @default 35 */
  readonly epochs?: number;
  /** Per-trainer batch. @default 128 */
  readonly batchSize?: number;
  /** Base learning rate, divided by 10 at epochs 10, 20 and 25. @default 2e-4 */
  readonly lr?: number;
  /** How the learning rate falls (src/train/lr-schedule.ts). @default 'step' */
  readonly lrSchedule?: LrSchedule;
  /** @default 100 */
  readonly noiseDim?: number;
  /** Seed of the weights, the noise, dropout and the data order. @default 0 */
  readonly seed?: number;
  /** @default 0 */
  readonly rank?: number;
  /** Trainers splitting each global batch; above 1 only with {@link independentReplicas}. @default 1 */
  readonly world?: number;
  /**
   * Each rank trains its own model on its slice of every global batch: nothing averages gradients
   * across ranks, so `world > 1` is refused without this. @default false
   */
  readonly independentReplicas?: boolean;
  /** Outputs go to `<out>/<SaveName>/`. @default 'runs' */
  readonly out?: string;
  /** @default 'auto' */
  readonly backend?: BackendPreference;
  /** Fail with the GPU diagnosis (`GpuUnavailableError`) instead of training on a CPU. @default false */
  readonly requireGpu?: boolean;
  /**
   * Training threads on the wasm and cpu backends: replicas on slices of every batch, with
   * synchronized BN and gradients summed before each Adam step (src/train/parallel). At most one per row of a batch.
   * @default os.availableParallelism() on wasm and cpu, 1 on tensorflow
   */
  readonly threads?: number;
  /** Factor on every hidden width. @default 1 */
  readonly widthMult?: number;
  /** Model image side (images are resized to it when the data differs). @default 64 */
  readonly size?: number;
  /** Cap on the steps of each epoch. @default all batches of the epoch */
  readonly stepsPerEpoch?: number;
  /** Checkpoint every N epochs (and at the end). @default 15 */
  readonly saveEvery?: number;
  /** Continue from the newest checkpoint under the run folder. @default false */
  readonly resume?: boolean;
  /** What a shard-server sends. @default 'tensor' */
  readonly format?: StreamFormat;
  /** @default process.env.SHARDSTREAM_TOKEN */
  readonly token?: string;
  /** Score the generator's digits after epochs (MNIST: `logs/<SaveName>-eval.csv`, `plot/<SaveName>-eval.png`). @default none */
  readonly eval?: EpochEvalOptions;
  /** Stop after the current step, save a checkpoint, and return (the data stream is closed, not aborted). */
  readonly signal?: AbortSignal;
  /** Called once the backend, data and model are ready. */
  readonly onStart?: (info: TrainStartInfo) => void;
  /** Called after every step. */
  readonly onStep?: (info: StepInfo) => void;
  /** Called after every epoch with its CSV row. */
  readonly onEpoch?: (row: LossRow, info: { readonly epochs: number; readonly seconds: number }) => void;
  /** Called for lines worth telling (checkpoints saved, resume point). */
  readonly log?: (line: string) => void;
}

export { TRAIN_DEFAULTS } from './train-defaults.js';

/** What {@link TrainOptions.onStart} is told. */
export interface TrainStartInfo {
  readonly backend: SelectedBackend;
  /** Threads that train (see {@link TrainOptions.threads}). */
  readonly threads: number;
  readonly layout: RunLayout;
  readonly records: number;
  readonly stepsPerEpoch: number;
  readonly startEpoch: number;
  readonly startBatch: number;
  readonly mode: 'stream' | 'direct';
  readonly location: string;
  readonly generatorParams: number;
  readonly discriminatorParams: number;
}

/** What {@link TrainOptions.onStep} is told. */
export interface StepInfo extends GanStepResult {
  readonly epoch: number;
  /** Step within the epoch, 1-based. */
  readonly step: number;
  readonly stepsPerEpoch: number;
  /** Images per second of this epoch so far. */
  readonly imagesPerSecond: number;
  /** Share of this epoch's time spent waiting for data. */
  readonly waitShare: number;
}

/** What a run produced. */
export interface TrainResult {
  readonly layout: RunLayout;
  readonly rows: readonly LossRow[];
  /** Epochs completed, counting those of earlier runs of a resumed one. */
  readonly epochsDone: number;
  /** The newest checkpoint folder. */
  readonly checkpoint: string | undefined;
  readonly interrupted: boolean;
  readonly backend: SelectedBackend;
}

/** Where a checkpoint stands in the run. */
interface RunPosition extends CheckpointMeta {
  epoch: number;
  batch: number;
  step: number;
  sums: [number, number, number, number];
  steps: number;
  saveName: string;
  model: { size: number; channels: number; noiseDim: number; widthMult: number };
  seed: number;
  batchSize: number;
}

/** Why `world > 1` needs `independentReplicas` (the same reason as dcgan-train's usage error). */
const WORLD_EXPECTED = '1 unless independentReplicas is true (each rank would train a separate model: nothing averages gradients across ranks; for one model on several processes use PyTorch DDP with clients/python)';

/** Label of the random stream of the 16 fixed grid noise vectors. */
const GRID_NOISE_STREAM = 5;

/** Train the DCGAN of DESIGN §7 from a stream or shard set, writing the outputs of a run. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const o = { ...TRAIN_DEFAULTS, ...definedOnly(options), data: options.data };
  for (const key of ['epochs', 'batchSize', 'noiseDim', 'world', 'size', 'saveEvery'] as const) positive(key, o[key]);
  if (o.stepsPerEpoch !== undefined) positive('stepsPerEpoch', o.stepsPerEpoch);
  if (o.world > 1 && !o.independentReplicas) throw new InvalidParameterError('world', WORLD_EXPECTED, o.world);
  const log = o.log ?? ((): void => undefined);
  const backend = await selectBackend(o.backend, { requireGpu: o.requireGpu });
  const tf = backend.tf;

  const streamOptions = (epoch: number, startBatch: number): BatchesOptions => ({
    source: o.data,
    ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
    ...(o.partitions !== undefined ? { partitions: o.partitions } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
    batchSize: o.batchSize,
    seed: o.seed,
    rank: o.rank,
    world: o.world,
    startEpoch: epoch,
    epochs: 1,
    startBatch,
    format: o.format,
  });

  // The first stream tells the record count, the image shape and the SaveName.
  let stream: BatchStream | undefined = await openBatchStream(streamOptions(0, 0));
  const manifest = stream.manifest;
  const channels = manifest.image.channels;
  const layout = runLayout(o.out, saveNameFor(manifest, { imageType: o.imageType, bbox: o.bbox }));
  const stepsPerEpoch = Math.min(stream.batchesPerEpoch, o.stepsPerEpoch ?? Infinity);
  if (stepsPerEpoch < 1) {
    await stream.close();
    throw new InvalidInputError(stream.location, `${stream.records} records make no batch of ${o.batchSize}×${o.world} trainers`);
  }

  const dcgan = buildDcgan({ size: o.size, channels, noiseDim: o.noiseDim, widthMult: o.widthMult, seed: o.seed });
  const models = { generator: dcgan.generator, discriminator: dcgan.discriminator };
  const optimizers = createOptimizers(o.lr);
  const gridNoise = tf.randomNormal([16, o.noiseDim], 0, 1, 'float32', deriveSeed(o.seed, GRID_NOISE_STREAM));

  let position: RunPosition = {
    epoch: 0,
    batch: 0,
    step: 0,
    sums: [0, 0, 0, 0],
    steps: 0,
    saveName: layout.saveName,
    model: { size: o.size, channels, noiseDim: o.noiseDim, widthMult: o.widthMult },
    seed: o.seed,
    batchSize: o.batchSize,
  };
  let rows: LossRow[] = [];
  let checkpoint: string | undefined;
  if (o.resume) {
    checkpoint = await latestCheckpoint(layout);
    if (checkpoint) {
      position = checkResume((await loadGan(checkpoint, models, optimizers)) as RunPosition, position, checkpoint);
      rows = await lossRowsToResume(layout.lossCsv, position.epoch, checkpoint);
      log(`resuming from ${checkpoint} at epoch ${position.epoch + 1}, batch ${position.batch}`);
    } else log(`no checkpoint under ${layout.checkpointDir}: starting from the beginning`);
  }
  const threads = resolveThreads(o.threads, backend.name, o.batchSize, dcgan.generator.countParams() + dcgan.discriminator.countParams());
  await mkdir(layout.plotDir, { recursive: true });
  await writeLossCsv(layout.lossCsv, rows);

  o.onStart?.({
    backend,
    threads,
    layout,
    records: stream.records,
    stepsPerEpoch,
    startEpoch: position.epoch,
    startBatch: position.batch,
    mode: stream.mode,
    location: stream.location,
    generatorParams: dcgan.generator.countParams(),
    discriminatorParams: dcgan.discriminator.countParams(),
  });

  const save = async (name: string): Promise<void> => {
    const dir = join(layout.checkpointDir, name);
    await stepper.sync();
    // where the data was, so that dcgan-eval finds the shard set of a checkpoint
    await saveGan(dir, models, optimizers, { ...position, data: /^https?:\/\//.test(o.data) ? o.data : resolve(o.data), ...(o.eval ? { evalData: resolve(o.eval.data) } : {}) });
    await writeFileAtomic(layout.latestCheckpoint, `${JSON.stringify({ checkpoint: name })}\n`);
    checkpoint = dir;
    log(`checkpoint saved: ${dir}`);
  };

  // after onStart and the resume: the replicas start from the main thread's (resumed) state
  const stepper = await createGanStepper({ threads, backend: backend.name, models, optimizers, model: dcgan.options });
  let interrupted = false;
  let epochEval: EpochEval | undefined;
  try {
    if (o.eval) epochEval = await startEpochEval(backend, layout, o.size, position.epoch, o.eval);
    for (let epoch = position.epoch; epoch < o.epochs && !interrupted; epoch++) {
      setLearningRate(optimizers, scheduledLearningRate(o.lrSchedule, epoch, o.epochs, o.lr));
      const startBatch = epoch === position.epoch ? position.batch : 0;
      if (startBatch >= stepsPerEpoch) throw new InvalidInputError(checkpoint ?? layout.root, `checkpoint batch ${startBatch} is past the ${stepsPerEpoch} steps of an epoch`);
      if (!stream || epoch !== 0 || startBatch !== 0) {
        await stream?.close();
        stream = await openBatchStream(streamOptions(epoch, startBatch));
      }
      const epochStart = performance.now();
      let waited = 0;
      let images = 0;
      const iterator = stream[Symbol.asyncIterator]();
      for (let batch = startBatch; batch < stepsPerEpoch; batch++) {
        const t0 = performance.now();
        const next = await iterator.next();
        waited += performance.now() - t0;
        if (next.done) throw new InvalidInputError(stream.location, `the stream ended after ${batch} of ${stepsPerEpoch} batches of epoch ${epoch}`);
        const real = toModelInput(backend, next.value, o.size);
        let result: GanStepResult;
        try {
          result = await stepper.step(real, o.seed, position.step);
        } finally {
          real.dispose();
        }
        images += next.value.shape[0];
        position = {
          ...position,
          epoch,
          batch: batch + 1,
          step: position.step + 1,
          steps: position.steps + 1,
          sums: [position.sums[0] + result.realP, position.sums[1] + result.fakeP, position.sums[2] + result.genLoss, position.sums[3] + result.disLoss],
        };
        const seconds = (performance.now() - epochStart) / 1000;
        o.onStep?.({ ...result, epoch, step: batch + 1, stepsPerEpoch, imagesPerSecond: images / seconds, waitShare: waited / 1000 / seconds });
        if (o.signal?.aborted && batch + 1 < stepsPerEpoch) {
          interrupted = true;
          await save(`step-${String(position.step).padStart(8, '0')}`);
          break;
        }
      }
      if (interrupted) break;
      await stream.close();
      stream = undefined;

      const n = position.steps;
      const row: LossRow = { epoch, Real_P: position.sums[0] / n, Fake_P: position.sums[1] / n, Gen_loss: position.sums[2] / n, Dis_loss: position.sums[3] / n };
      rows.push(row);
      await writeLossCsv(layout.lossCsv, rows);
      await stepper.sync();
      const grid = tf.tidy(() => dcgan.generator.predict(gridNoise) as import('@tensorflow/tfjs').Tensor4D);
      await writeImageGrid(layout.grid(epoch + 1), (await grid.data()) as Float32Array, grid.shape);
      grid.dispose();
      position = { ...position, epoch: epoch + 1, batch: 0, sums: [0, 0, 0, 0], steps: 0 };
      o.onEpoch?.(row, { epochs: o.epochs, seconds: (performance.now() - epochStart) / 1000 });
      await epochEval?.afterEpoch(epoch, dcgan.generator, epoch + 1 === o.epochs);
      if ((epoch + 1) % o.saveEvery === 0 || epoch + 1 === o.epochs || o.signal?.aborted) {
        await save(`epoch-${String(epoch + 1).padStart(3, '0')}`);
      }
      if (o.signal?.aborted && epoch + 1 < o.epochs) interrupted = true;
    }
  } finally {
    await stream?.close();
    await stepper.close();
    gridNoise.dispose();
    epochEval?.dispose();
  }

  if (!interrupted) await writeFinalOutputs(layout, rows);
  if (!interrupted) await epochEval?.finish();
  const result = { layout, rows, epochsDone: position.epoch, checkpoint, interrupted, backend };
  disposeModels(dcgan, optimizers);
  return result;
}

/** The animated GIF of the epoch grids and the two plots. */
async function writeFinalOutputs(layout: RunLayout, rows: readonly LossRow[]): Promise<void> {
  const frames = rows.map((r) => layout.grid(r.epoch + 1)).filter((p) => existsSync(p)); // grids are numbered from 1, CSV epochs from 0
  await writeAnimatedGif(layout.gif, frames);
  await writeLossPlot(layout.lossPlot, rows);
  await writeProbabilityPlot(layout.probabilityPlot, rows);
}

/** uint8 NHWC → float [-1, 1] at the model's size. */
function toModelInput(backend: SelectedBackend, batch: TensorBatch, size: number): import('@tensorflow/tfjs').Tensor4D {
  const tf = backend.tf;
  return tf.tidy(() => {
    const [n, h, w, c] = batch.shape;
    const x = tf.tensor4d(batch.images, [n, h, w, c], 'int32').toFloat().div(127.5).sub(1) as import('@tensorflow/tfjs').Tensor4D;
    return h === size && w === size ? x : tf.image.resizeBilinear(x, [size, size]);
  });
}

async function latestCheckpoint(layout: RunLayout): Promise<string | undefined> {
  if (!existsSync(layout.latestCheckpoint)) return undefined;
  const { checkpoint } = JSON.parse(await readFile(layout.latestCheckpoint, 'utf8')) as { checkpoint: string };
  return join(layout.checkpointDir, checkpoint);
}

function checkResume(saved: RunPosition, fresh: RunPosition, where: string): RunPosition {
  for (const key of ['seed', 'batchSize', 'saveName'] as const) {
    if (saved[key] !== fresh[key]) throw new InvalidInputError(where, `checkpoint has ${key} ${JSON.stringify(saved[key])}, this run ${JSON.stringify(fresh[key])}: resume with the same options`);
  }
  if (JSON.stringify(saved.model) !== JSON.stringify(fresh.model)) {
    throw new InvalidInputError(where, `checkpoint model ${JSON.stringify(saved.model)} differs from this run's ${JSON.stringify(fresh.model)}`);
  }
  return saved;
}

function disposeModels(dcgan: Dcgan, optimizers: ReturnType<typeof createOptimizers>): void {
  dcgan.generator.dispose();
  dcgan.discriminator.dispose();
  optimizers.generator.dispose();
  optimizers.discriminator.dispose();
}

function positive(param: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw new InvalidParameterError(param, 'a positive integer', v);
}
