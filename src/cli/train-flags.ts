import { InvalidArgumentError } from 'commander';
import { definedOnly } from '../core/defined-only.js';
import type { InvalidParameterError } from '../core/errors.js';
import { CELEBA_PARTITIONS } from '../datasets/celeba-index.js';
import { MNIST_PARTITIONS } from '../datasets/mnist-source.js';
import type { StreamFormat } from '../shards/stream-protocol.js';
import type { BackendPreference } from '../train/backend-preference.js';
import type { LrSchedule } from '../train/lr-schedule.js';
import type { TrainOptions } from '../train/train-options.js';

// dcgan-train's flags and the library options they map to (resolveTrainOptions checks them);
// only light imports, as dcgan-train maps and checks them before it loads the trainer.

/** `--partition all`: every partition of the dataset, in its numbering order (without --dataset: the manifest's). */
const ALL_PARTITIONS: Readonly<Record<string, readonly string[]>> = { celeba: CELEBA_PARTITIONS, mnist: MNIST_PARTITIONS };
const PARTITION_CHOICES = ['train', 'val', 'test', 'all'];

/** The flags of the options whose names differ from theirs. */
export const FLAG_OF: Readonly<Record<string, string>> = {
  source: '--data',
  partitions: '--partition',
  'partitions[0]': '--partition',
  imageType: '--image-type',
  batchSize: '--batch-size',
  noiseDim: '--noise-dim',
  independentReplicas: '--independent-replicas',
  requireGpu: '--require-gpu',
  widthMult: '--width-mult',
  stepsPerEpoch: '--steps-per-epoch',
  saveEvery: '--save-every',
  'eval.every': '--eval-every',
  'eval.images': '--eval-images',
  'eval.data': '--eval-data',
};

/** The flags, as commander parses them. */
export interface TrainFlags {
  data?: string;
  dataset?: string;
  partition: string;
  imageType?: string;
  bbox?: boolean;
  epochs: number;
  batchSize: number;
  lr: number;
  lrSchedule: LrSchedule;
  noiseDim: number;
  seed: number;
  rank: number;
  world: number;
  independentReplicas?: boolean;
  out: string;
  backend: BackendPreference;
  widthMult: number;
  threads?: number;
  size: number;
  stepsPerEpoch?: number;
  saveEvery: number;
  resume?: boolean;
  format: StreamFormat;
  token?: string;
  evalEvery?: number;
  evalData?: string;
  evalImages: number;
  evalClassifierSteps?: number;
  requireGpu?: boolean;
  checkGpu?: boolean;
}

/** The library options of the flags (an absent flag is left out, so the library default holds). */
export function trainOptions(data: string, opts: TrainFlags): TrainOptions {
  const partitions = opts.partition === 'all' ? (opts.dataset !== undefined ? ALL_PARTITIONS[opts.dataset] : undefined) : [opts.partition];
  return {
    data,
    ...definedOnly({ dataset: opts.dataset, partitions, imageType: opts.imageType, bbox: opts.bbox, threads: opts.threads, stepsPerEpoch: opts.stepsPerEpoch, token: opts.token }),
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    lr: opts.lr,
    lrSchedule: opts.lrSchedule,
    noiseDim: opts.noiseDim,
    seed: opts.seed,
    rank: opts.rank,
    world: opts.world,
    independentReplicas: opts.independentReplicas === true,
    out: opts.out,
    backend: opts.backend,
    requireGpu: opts.requireGpu === true,
    widthMult: opts.widthMult,
    size: opts.size,
    saveEvery: opts.saveEvery,
    resume: opts.resume === true,
    format: opts.format,
    ...(opts.evalEvery !== undefined
      ? {
          eval: {
            ...definedOnly({ data: opts.evalData }),
            every: opts.evalEvery,
            images: opts.evalImages,
            ...(opts.evalClassifierSteps !== undefined ? { classifier: { steps: opts.evalClassifierSteps } } : {}),
          },
        }
      : {}),
  };
}

/** dcgan-train's own words for the refusals of flags that only make sense together. */
export function usageText(error: InvalidParameterError, opts: TrainFlags): string | undefined {
  switch (error.param) {
    case 'world':
      return (
        `--world ${opts.world} would train ${opts.world} separate models, one per rank, each on its slice of every global batch: dcgan-train averages no gradients across ranks. ` +
        'Pass --independent-replicas if separate replicas are what you want; to train one model on several processes, use PyTorch DDP with the Python client (clients/python, README "Python trainers")'
      );
    case 'backend':
      return `--require-gpu needs --backend auto or tensorflow (the CUDA backend), got ${opts.backend}`;
    case 'rank':
      return `--rank must be below --world (${opts.world}), got ${opts.rank}`;
    case 'eval.data':
      return '--eval-every needs --eval-data <dir>, the MNIST shard-set folder, when --data is a URL';
    default:
      return undefined;
  }
}

/** Parser of --partition. */
export function partitionName(value: string): string {
  if (!PARTITION_CHOICES.includes(value)) throw new InvalidArgumentError(`expected one of ${PARTITION_CHOICES.join(', ')}`);
  return value;
}
