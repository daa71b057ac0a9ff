import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveCelebaOptions, type CelebaConvertOptions } from '../../src/datasets/celeba.js';
import { resolveMnistOptions, type MnistConvertOptions } from '../../src/datasets/mnist.js';
import { defaultWorkers, threadPoolSize, threadPoolWarning } from '../../src/datasets/options.js';

const celeba = (o: Partial<CelebaConvertOptions>) => () => resolveCelebaOptions({ root: 'r', out: 'o', workers: 2, ...o } as CelebaConvertOptions);
const mnist = (o: Partial<MnistConvertOptions>) => () => resolveMnistOptions({ out: 'o', workers: 2, ...o } as MnistConvertOptions);

describe('resolveCelebaOptions', () => {
  it('applies the defaults', () => {
    expect(celeba({})()).toEqual({ root: 'r', out: 'o', partition: 'all', imageType: 'img_celeba', bbox: false, size: 64, format: 'jpeg', quality: 95, layout: 'canonical', workers: 2 });
  });

  it.each([
    [{ root: '' }, 'root', 'Expected a folder path for root but received "" of type string'],
    [{ out: '' }, 'out', 'Expected a folder path for out but received "" of type string'],
    [{ partition: 'dev' }, 'partition', 'Expected one of all, train, val, test for partition but received "dev" of type string'],
    [{ imageType: 'img' }, 'imageType', 'Expected one of img_celeba, img_align_celeba, img_align_celeba_png for imageType but received "img" of type string'],
    [{ bbox: true, imageType: 'img_align_celeba_png' }, 'bbox', 'Expected imageType img_celeba (bounding boxes are given for the in-the-wild images) for bbox but received "img_align_celeba_png" of type string'],
    [{ format: 'gif' }, 'format', 'Expected one of jpeg, png, raw for format but received "gif" of type string'],
    [{ layout: 'tfds' }, 'layout', 'Expected one of canonical, seed for layout but received "tfds" of type string'],
    [{ layout: 'seed', format: 'raw' }, 'format', 'Expected jpeg or png with layout seed (the reference loader decodes JPEG/PNG) for format but received "raw" of type string'],
    [{ quality: 0 }, 'quality', 'Expected an integer from 1 to 100 for quality but received 0 of type number'],
    [{ size: 5000 }, 'size', 'Expected an integer from 0 to 4096 for size but received 5000 of type number'],
    [{ size: 1.5 }, 'size', 'Expected an integer from 0 to 4096 for size but received 1.5 of type number'],
    [{ workers: 0 }, 'workers', 'Expected an integer from 1 to 256 for workers but received 0 of type number'],
    [{ shards: 0 }, 'shards', 'Expected an integer from 1 to 99999 for shards but received 0 of type number'],
    [{ shardSizeMb: -1 }, 'shardSizeMb', 'Expected a positive number of MiB for shardSizeMb but received -1 of type number'],
    [{ shards: 2, shardSizeMb: 1 }, 'shards', 'Expected either shards or shardSizeMb, not both for shards but received 2 of type number'],
    [{ limit: 0 }, 'limit', 'Expected a positive integer for limit but received 0 of type number'],
  ] as const)('%j → %s', (o, param, message) => {
    expect(celeba(o as Partial<CelebaConvertOptions>)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PARAMETER', param, message }));
  });
});

describe('resolveMnistOptions', () => {
  it('applies the defaults', () => {
    expect(mnist({})()).toEqual({ out: 'o', partition: 'all', size: 64, format: 'png', workers: 2 });
  });

  it.each([
    [{ partition: 'val' }, 'partition', 'Expected one of all, train, test for partition but received "val" of type string'],
    [{ format: 'jpeg' }, 'format', 'Expected one of png, raw for format but received "jpeg" of type string'],
    [{ source: '' }, 'source', 'Expected a path for source but received "" of type string'],
    [{ size: -1 }, 'size', 'Expected an integer from 0 to 4096 for size but received -1 of type number'],
  ] as const)('%j → %s', (o, param, message) => {
    expect(mnist(o as Partial<MnistConvertOptions>)).toThrow(expect.objectContaining({ param, message }));
  });
});

describe('worker defaults', () => {
  it('uses two workers per core, at most the thread pool size, and warns above it', () => {
    const saved = process.env.UV_THREADPOOL_SIZE;
    try {
      delete process.env.UV_THREADPOOL_SIZE;
      expect(threadPoolSize()).toBe(4);
      expect(defaultWorkers()).toBe(Math.min(2 * availableParallelism(), 4));
      expect(threadPoolWarning(4)).toBeUndefined();
      expect(threadPoolWarning(6)).toBe("--workers 6 but libuv's thread pool has 4 threads: start with UV_THREADPOOL_SIZE=6 to run them all at once");
      process.env.UV_THREADPOOL_SIZE = '16';
      expect(threadPoolSize()).toBe(16);
      expect(threadPoolWarning(6)).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.UV_THREADPOOL_SIZE;
      else process.env.UV_THREADPOOL_SIZE = saved;
    }
  });
});
