// Only types here: the CLI and resolveTrainOptions use them without loading tfjs.
import type { LrSchedule } from './lr-schedule.js';
import type { StreamFormat } from '../shards/stream-protocol.js';
import type { EpochEvalOptions } from '../eval/epoch-eval.js';
import type { BackendPreference } from './backend-preference.js';
import type { SelectedBackend } from './backend.js';
import type { GanStepResult } from './gan-step.js';
import type { LossRow } from './outputs/loss-log.js';
import type { RunLayout } from './run-layout.js';

/** Options of `train`; the defaults are the reference run (DESIGN §7, `TRAIN_DEFAULTS`). */
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
  /** How the learning rate falls: the reference's `step`, or `cosine`/`linear` towards 0 over `epochs` (src/train/lr-schedule.ts). @default 'step' */
  readonly lrSchedule?: LrSchedule;
  /** @default 100 */
  readonly noiseDim?: number;
  /** Seed of the weights, the noise, dropout and the data order, 0 to 2^32 − 1. @default 0 */
  readonly seed?: number;
  /** This trainer, 0 ≤ rank < world. @default 0 */
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
  /** Fail with the GPU diagnosis (`GpuUnavailableError`) instead of training on a CPU; needs backend auto or tensorflow. @default false */
  readonly requireGpu?: boolean;
  /**
   * Training threads on the wasm and cpu backends: replicas on slices of every batch, with
   * synchronized BN and gradients summed before each Adam step (src/train/parallel). At most one per row of a batch.
   * @default os.availableParallelism() on wasm and cpu, 1 on tensorflow
   */
  readonly threads?: number;
  /** Factor on every hidden width. @default 1 */
  readonly widthMult?: number;
  /** Model image side, a power of two ≥ 8 (images are resized to it when the data differs). @default 64 */
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
  readonly eval?: TrainEvalOptions;
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

/** The per-epoch score of {@link TrainOptions.eval}. */
export interface TrainEvalOptions extends Omit<EpochEvalOptions, 'data'> {
  /** The MNIST shard-set folder. @default `data` when it is a folder (a URL needs this) */
  readonly data?: string;
}

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
