import { afterEach, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { resolveTrainOptions, TRAIN_DEFAULTS, type TrainOptions } from '../../src/index.js';

// Every check of a training run's options, before anything loads: each branch names the option
// and says what it expected (sharp's wording), through the public entry.

const DIR = 'shards/mnist';
const URL = 'http://127.0.0.1:8080';

afterEach(() => {
  delete process.env.SHARDSTREAM_TOKEN;
});

describe('resolveTrainOptions', () => {
  it('fills in every default (TRAIN_DEFAULTS), leaving the data-given ones undefined', () => {
    const r = resolveTrainOptions({ data: DIR });
    expect({ ...r, log: typeof r.log }).toEqual({
      ...TRAIN_DEFAULTS,
      data: DIR,
      dataset: undefined,
      partitions: undefined,
      imageType: undefined,
      bbox: undefined,
      threads: undefined,
      stepsPerEpoch: undefined,
      token: undefined,
      eval: undefined,
      signal: undefined,
      onStart: undefined,
      onStep: undefined,
      onEpoch: undefined,
      log: 'function',
    });
    expect(r.log('a line')).toBeUndefined();
  });

  it('keeps what it is given, takes the token from SHARDSTREAM_TOKEN, and defaults the eval data to a data folder', () => {
    process.env.SHARDSTREAM_TOKEN = 'secret';
    const onStep = (): void => undefined;
    const r = resolveTrainOptions({ data: DIR, epochs: 3, rank: 1, world: 2, independentReplicas: true, partitions: ['train'], threads: 2, onStep, eval: { every: 2 } });
    expect(r).toMatchObject({ epochs: 3, rank: 1, world: 2, independentReplicas: true, partitions: ['train'], threads: 2, token: 'secret', eval: { every: 2, data: DIR } });
    expect(r.onStep).toBe(onStep);
    expect(resolveTrainOptions({ data: URL, eval: { every: 1, data: DIR } }).eval).toEqual({ every: 1, data: DIR });
  });

  it('resolves its own result to the same options', () => {
    const r = resolveTrainOptions({ data: URL, dataset: 'celeba', size: 32, format: 'records', token: 't' });
    expect(resolveTrainOptions(r as unknown as TrainOptions)).toEqual(r);
  });

  const signal = new AbortController().signal;
  it.each<[string, unknown, string, string]>([
    ['not an object', null, 'options', 'Expected an object for options but received null of type null'],
    ['no data', {}, 'data', 'Expected a shard-server URL, a shard-set URL or a folder for data but received undefined of type undefined'],
    ['empty data', { data: '' }, 'data', 'Expected a shard-server URL, a shard-set URL or a folder for data but received "" of type string'],
    ['epochs 0', { data: DIR, epochs: 0 }, 'epochs', 'Expected a positive integer for epochs but received 0 of type number'],
    ['batchSize 1.5', { data: DIR, batchSize: 1.5 }, 'batchSize', 'Expected a positive integer for batchSize but received 1.5 of type number'],
    ['noiseDim "8"', { data: DIR, noiseDim: '8' }, 'noiseDim', 'Expected a positive integer for noiseDim but received "8" of type string'],
    ['world 0', { data: DIR, world: 0 }, 'world', 'Expected a positive integer for world but received 0 of type number'],
    ['size -8', { data: DIR, size: -8 }, 'size', 'Expected a positive integer for size but received -8 of type number'],
    ['saveEvery 0', { data: DIR, saveEvery: 0 }, 'saveEvery', 'Expected a positive integer for saveEvery but received 0 of type number'],
    ['stepsPerEpoch 0', { data: DIR, stepsPerEpoch: 0 }, 'stepsPerEpoch', 'Expected a positive integer for stepsPerEpoch but received 0 of type number'],
    ['threads 0', { data: DIR, threads: 0 }, 'threads', 'Expected a positive integer for threads but received 0 of type number'],
    ['independentReplicas "yes"', { data: DIR, independentReplicas: 'yes' }, 'independentReplicas', 'Expected a boolean for independentReplicas but received "yes" of type string'],
    ['requireGpu 1', { data: DIR, requireGpu: 1 }, 'requireGpu', 'Expected a boolean for requireGpu but received 1 of type number'],
    ['resume "true"', { data: DIR, resume: 'true' }, 'resume', 'Expected a boolean for resume but received "true" of type string'],
    ['bbox 0', { data: DIR, bbox: 0 }, 'bbox', 'Expected a boolean for bbox but received 0 of type number'],
    [
      'world 2 without independentReplicas',
      { data: DIR, world: 2 },
      'world',
      'Expected 1 unless independentReplicas is true (each rank would train a separate model: nothing averages gradients across ranks; for one model on several processes use PyTorch DDP with clients/python) for world but received 2 of type number',
    ],
    ['an unknown backend', { data: DIR, backend: 'gpu' }, 'backend', 'Expected one of auto, tensorflow, wasm, cpu for backend but received "gpu" of type string'],
    ['requireGpu on wasm', { data: DIR, requireGpu: true, backend: 'wasm' }, 'backend', 'Expected auto or tensorflow with requireGpu for backend but received "wasm" of type string'],
    ['lr 0', { data: DIR, lr: 0 }, 'lr', 'Expected a positive finite number for lr but received 0 of type number'],
    ['lr -1', { data: DIR, lr: -1 }, 'lr', 'Expected a positive finite number for lr but received -1 of type number'],
    ['an unknown lrSchedule', { data: DIR, lrSchedule: 'exp' as never }, 'lrSchedule', 'Expected one of step, cosine, linear for lrSchedule but received "exp" of type string'],
    ['size 12', { data: DIR, size: 12 }, 'size', 'Expected a power of two ≥ 8 for size but received 12 of type number'],
    ['widthMult 0', { data: DIR, widthMult: 0 }, 'widthMult', 'Expected a positive finite number for widthMult but received 0 of type number'],
    ['seed 0.5', { data: DIR, seed: 0.5 }, 'seed', 'Expected an integer for seed but received 0.5 of type number'],
    ['out ""', { data: DIR, out: '' }, 'out', 'Expected a non-empty string for out but received "" of type string'],
    ['imageType 7', { data: DIR, imageType: 7 }, 'imageType', 'Expected a non-empty string for imageType but received 7 of type number'],
    ['onStart not a function', { data: DIR, onStart: 'x' }, 'onStart', 'Expected a function for onStart but received "x" of type string'],
    ['log not a function', { data: DIR, log: true }, 'log', 'Expected a function for log but received true of type boolean'],
    ['signal not an AbortSignal', { data: DIR, signal: {} }, 'signal', 'Expected an AbortSignal for signal but received {} of type object'],
    // the data's options, checked as the client checks them
    ['data an ftp URL', { data: 'ftp://host/shards' }, 'source', 'Expected an http(s) URL or a directory for source but received "ftp://host/shards" of type string'],
    ['dataset "a/b"', { data: DIR, dataset: 'a/b' }, 'dataset', 'Expected a name of letters, digits, _ . - for dataset but received "a/b" of type string'],
    ['no partitions', { data: DIR, partitions: [] }, 'partitions', 'Expected a non-empty array of partition names for partitions but received [] of type array'],
    ['a partition twice', { data: DIR, partitions: ['train', 'train'] }, 'partitions', 'Expected partition names without repeats for partitions but received ["train","train"] of type array'],
    ['seed -1', { data: DIR, seed: -1 }, 'seed', 'Expected an integer from 0 to 4294967295 for seed but received -1 of type number'],
    ['rank 2 of world 2', { data: DIR, rank: 2, world: 2, independentReplicas: true }, 'rank', 'Expected an integer from 0 to 1 for rank but received 2 of type number'],
    ['format "png"', { data: DIR, format: 'png' }, 'format', 'Expected one of "tensor", "records" for format but received "png" of type string'],
    ['a token with a line break', { data: URL, token: 'a\nb' }, 'token', 'Expected a non-empty string without line breaks for token but received "a\\nb" of type string'],
    // the per-epoch score
    ['eval not an object', { data: DIR, eval: 5 }, 'eval', 'Expected an object for eval but received 5 of type number'],
    ['eval.every 0', { data: DIR, eval: { every: 0 } }, 'eval.every', 'Expected a positive integer for eval.every but received 0 of type number'],
    ['eval.images 1', { data: DIR, eval: { every: 1, images: 1 } }, 'eval.images', 'Expected an integer ≥ 2 for eval.images but received 1 of type number'],
    [
      'eval without data when data is a URL',
      { data: URL, eval: { every: 1 } },
      'eval.data',
      'Expected the MNIST shard-set folder (data is a URL, so there is no default) for eval.data but received undefined of type undefined',
    ],
  ])('refuses %s, naming the option', (_, options, param, message) => {
    let error: unknown;
    try {
      resolveTrainOptions(options as TrainOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as InvalidParameterError).param).toBe(param);
    expect((error as Error).message).toBe(message);
  });

  it('accepts a signal and the callbacks', () => {
    const log = (): void => undefined;
    const r = resolveTrainOptions({ data: DIR, signal, log, onStart: log, onEpoch: log });
    expect([r.signal, r.log, r.onStart, r.onEpoch]).toEqual([signal, log, log, log]);
  });
});
