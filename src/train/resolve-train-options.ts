import { resolveBatchesOptions, type BatchesOptions } from '../client/options.js';
import { definedOnly } from '../core/defined-only.js';
import { InvalidParameterError } from '../core/errors.js';
import type { EpochEvalOptions } from '../eval/epoch-eval.js';
import type { StreamFormat } from '../shards/stream-protocol.js';
import { checkBackendPreference, type BackendPreference } from './backend-preference.js';
import { LR_SCHEDULES, type LrSchedule } from './lr-schedule.js';
import { checkDcganShape } from './model-options.js';
import { TRAIN_DEFAULTS } from './train-defaults.js';
import type { TrainEvalOptions, TrainOptions } from './train-options.js';

// Light imports only: dcgan-train resolves its options before it loads the trainer (tfjs).

/** {@link TrainOptions} checked, with every default filled in. */
export interface ResolvedTrainOptions {
  readonly data: string;
  readonly dataset: string | undefined;
  /** undefined: all of the manifest's. */
  readonly partitions: readonly string[] | undefined;
  /** undefined: from the manifest. */
  readonly imageType: string | undefined;
  /** undefined: from the manifest. */
  readonly bbox: boolean | undefined;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly lrSchedule: LrSchedule;
  readonly noiseDim: number;
  readonly seed: number;
  readonly rank: number;
  readonly world: number;
  readonly independentReplicas: boolean;
  readonly out: string;
  readonly backend: BackendPreference;
  readonly requireGpu: boolean;
  /** undefined: chosen once the backend is known (`resolveThreads`). */
  readonly threads: number | undefined;
  readonly widthMult: number;
  readonly size: number;
  /** undefined: every batch of an epoch. */
  readonly stepsPerEpoch: number | undefined;
  readonly saveEvery: number;
  readonly resume: boolean;
  readonly format: StreamFormat;
  /** The option, else `SHARDSTREAM_TOKEN` (as the client resolves it). */
  readonly token: string | undefined;
  /** With its `data` filled in. */
  readonly eval: EpochEvalOptions | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onStart: TrainOptions['onStart'];
  readonly onStep: TrainOptions['onStep'];
  readonly onEpoch: TrainOptions['onEpoch'];
  readonly log: (line: string) => void;
}

/** Why `world > 1` needs `independentReplicas` (the same reason as dcgan-train's usage error). */
const WORLD_EXPECTED = '1 unless independentReplicas is true (each rank would train a separate model: nothing averages gradients across ranks; for one model on several processes use PyTorch DDP with clients/python)';

const POSITIVE = ['epochs', 'batchSize', 'noiseDim', 'world', 'size', 'saveEvery'] as const;
const BOOLEAN = ['independentReplicas', 'requireGpu', 'resume'] as const;
const CALLBACKS = ['onStart', 'onStep', 'onEpoch', 'log'] as const;

/**
 * Fills in the defaults of {@link TrainOptions} (`TRAIN_DEFAULTS`) and checks every option before
 * anything loads or opens: the numbers, the backend with `requireGpu`, `world` with
 * `independentReplicas`, the model's shape, the data's options as the client checks them
 * (source, dataset, partitions, seed, rank < world, format, token) and the eval's. Throws
 * `InvalidParameterError` naming the option.
 */
export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidParameterError('options', 'an object', options);
  const o = { ...TRAIN_DEFAULTS, ...definedOnly(options), data: options.data };
  if (typeof o.data !== 'string' || o.data === '') throw new InvalidParameterError('data', 'a shard-server URL, a shard-set URL or a folder', o.data);
  for (const key of POSITIVE) positive(key, o[key]);
  if (o.stepsPerEpoch !== undefined) positive('stepsPerEpoch', o.stepsPerEpoch);
  if (o.threads !== undefined) positive('threads', o.threads);
  for (const key of BOOLEAN) boolean(key, o[key]);
  if (o.bbox !== undefined) boolean('bbox', o.bbox);
  if (o.world > 1 && !o.independentReplicas) throw new InvalidParameterError('world', WORLD_EXPECTED, o.world);
  const backend = checkBackendPreference(o.backend, o.requireGpu);
  if (typeof o.lr !== 'number' || !Number.isFinite(o.lr) || o.lr <= 0) throw new InvalidParameterError('lr', 'a positive finite number', o.lr);
  if (!(LR_SCHEDULES as readonly unknown[]).includes(o.lrSchedule)) throw new InvalidParameterError('lrSchedule', `one of ${LR_SCHEDULES.join(', ')}`, o.lrSchedule);
  checkDcganShape(o);
  for (const key of ['out', 'imageType'] as const) {
    if (o[key] !== undefined && (typeof o[key] !== 'string' || o[key] === '')) throw new InvalidParameterError(key, 'a non-empty string', o[key]);
  }
  for (const key of CALLBACKS) {
    if (o[key] !== undefined && typeof o[key] !== 'function') throw new InvalidParameterError(key, 'a function', o[key]);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidParameterError('signal', 'an AbortSignal', o.signal);
  const resolved: ResolvedTrainOptions = {
    data: o.data,
    dataset: o.dataset,
    partitions: o.partitions,
    imageType: o.imageType,
    bbox: o.bbox,
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    lrSchedule: o.lrSchedule,
    noiseDim: o.noiseDim,
    seed: o.seed,
    rank: o.rank,
    world: o.world,
    independentReplicas: o.independentReplicas,
    out: o.out,
    backend,
    requireGpu: o.requireGpu,
    threads: o.threads,
    widthMult: o.widthMult,
    size: o.size,
    stepsPerEpoch: o.stepsPerEpoch,
    saveEvery: o.saveEvery,
    resume: o.resume,
    format: o.format,
    token: o.token,
    eval: resolveEval(o.eval, o.data),
    signal: o.signal,
    onStart: o.onStart,
    onStep: o.onStep,
    onEpoch: o.onEpoch,
    log: o.log ?? ((): void => undefined),
  };
  // the data's options as the first stream will be opened: the client's own checks
  const stream = resolveBatchesOptions(batchOptions(resolved, 0, 0));
  return { ...resolved, token: stream.token };
}

/** The client's options of the stream of one epoch of a run, from batch `startBatch` on. */
export function batchOptions(o: ResolvedTrainOptions, epoch: number, startBatch: number): BatchesOptions {
  return {
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
  };
}

/** True for an http(s) URL, false for a folder. */
export function isUrlSource(data: string): boolean {
  return /^https?:\/\//.test(data);
}

/** The eval's options with `data` filled in: the training data when that is a folder. */
function resolveEval(e: TrainEvalOptions | undefined, data: string): EpochEvalOptions | undefined {
  if (e === undefined) return undefined;
  if (typeof e !== 'object' || e === null) throw new InvalidParameterError('eval', 'an object', e);
  positive('eval.every', e.every);
  if (e.images !== undefined && (!Number.isSafeInteger(e.images) || e.images < 2)) throw new InvalidParameterError('eval.images', 'an integer ≥ 2', e.images);
  const evalData = e.data ?? (isUrlSource(data) ? undefined : data);
  if (typeof evalData !== 'string' || evalData === '') throw new InvalidParameterError('eval.data', 'the MNIST shard-set folder (data is a URL, so there is no default)', evalData);
  return { ...e, data: evalData };
}

function positive(param: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new InvalidParameterError(param, 'a positive integer', v);
}

function boolean(param: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new InvalidParameterError(param, 'a boolean', v);
}
