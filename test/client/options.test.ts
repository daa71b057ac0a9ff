import { afterEach, describe, expect, it, vi } from 'vitest';
import { baseUrl, resolveBatchesOptions, resolveSource } from '../../src/client/options.js';
import { batches } from '../../src/client/index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('resolveBatchesOptions', () => {
  it('fills in the documented defaults', () => {
    vi.stubEnv('SHARDSTREAM_TOKEN', '');
    const o = resolveBatchesOptions({ source: '/data/set', batchSize: 32 });
    expect(o).toMatchObject({
      source: { kind: 'dir', dir: '/data/set' },
      mode: 'auto',
      dataset: undefined,
      partitions: undefined,
      seed: 0,
      startEpoch: 0,
      endEpoch: 1,
      startBatch: 0,
      rank: 0,
      world: 1,
      dropRemainder: true,
      format: 'tensor',
      prefetch: 4,
      token: undefined,
      retry: { retries: 8, minDelay: 100, maxDelay: 5000, maxRetryAfter: 60000 },
      headersTimeout: 30000,
      bodyTimeout: 60000,
      connections: 8,
      coalesceGap: 0,
    });
  });

  it('takes the token from SHARDSTREAM_TOKEN unless given', () => {
    vi.stubEnv('SHARDSTREAM_TOKEN', 'from-env');
    expect(resolveBatchesOptions({ source: 'http://127.0.0.1:1/', batchSize: 1 }).token).toBe('from-env');
    expect(resolveBatchesOptions({ source: 'http://127.0.0.1:1/', batchSize: 1, token: 'given' }).token).toBe('given');
  });

  it('turns epochs into an exclusive end epoch, Infinity included', () => {
    expect(resolveBatchesOptions({ source: 'x', batchSize: 1, startEpoch: 3, epochs: 2 }).endEpoch).toBe(5);
    expect(resolveBatchesOptions({ source: 'x', batchSize: 1, epochs: Infinity }).endEpoch).toBe(2 ** 32);
    expect(resolveBatchesOptions({ source: 'x', batchSize: 1, startEpoch: 3, endEpoch: 4 }).endEpoch).toBe(4);
  });

  it('fills options from the query of a /v1/stream URL; explicit options win', () => {
    const o = resolveBatchesOptions({
      source: 'http://127.0.0.1:8080/v1/stream?dataset=celeba&partitions=train,val&batch_size=64&seed=5&epoch=2&start_batch=7&rank=1&world=2&drop_remainder=false&format=records',
      seed: 9,
    });
    expect(o).toMatchObject({ dataset: 'celeba', partitions: ['train', 'val'], batchSize: 64, seed: 9, startEpoch: 2, endEpoch: 3, startBatch: 7, rank: 1, world: 2, dropRemainder: false, format: 'records' });
    expect(String(baseUrl(o.source as Extract<typeof o.source, { kind: 'url' }>))).toBe('http://127.0.0.1:8080/');
  });

  it.each([
    [{ source: 'x', batchSize: 0 }, 'Expected an integer from 1 to 9007199254740991 for batchSize but received 0 of type number'],
    [{ source: 'x', batchSize: 2.5 }, 'Expected an integer from 1 to 9007199254740991 for batchSize but received 2.5 of type number'],
    [{ source: 'x', batchSize: 1, rank: 2, world: 2 }, 'Expected an integer from 0 to 1 for rank but received 2 of type number'],
    [{ source: 'x', batchSize: 1, world: 0 }, 'Expected an integer from 1 to 4294967295 for world but received 0 of type number'],
    [{ source: 'x', batchSize: 1, seed: -1 }, 'Expected an integer from 0 to 4294967295 for seed but received -1 of type number'],
    [{ source: 'x', batchSize: 1, epochs: 2, endEpoch: 3 }, 'Expected no value when endEpoch is given for epochs but received 2 of type number'],
    [{ source: 'x', batchSize: 1, epochs: -1 }, 'Expected a non-negative integer or Infinity for epochs but received -1 of type number'],
    [{ source: 'x', batchSize: 1, startEpoch: 4, endEpoch: 3 }, 'Expected an integer from 4 to 4294967296 for endEpoch but received 3 of type number'],
    [{ source: 'x', batchSize: 1, format: 'json' }, 'Expected one of "tensor", "records" for format but received "json" of type string'],
    [{ source: 'x', batchSize: 1, mode: 'stream' }, 'Expected "direct" or "auto" for a directory source for mode but received "stream" of type string'],
    [{ source: 'x', batchSize: 1, prefetch: 0 }, 'Expected an integer from 1 to 1024 for prefetch but received 0 of type number'],
    [{ source: 'x', batchSize: 1, dropRemainder: 'yes' }, 'Expected a boolean for dropRemainder but received "yes" of type string'],
    [{ source: 'x', batchSize: 1, partitions: [] }, 'Expected a non-empty array of partition names for partitions but received [] of type array'],
    [{ source: 'x', batchSize: 1, partitions: ['train', '../x'] }, 'Expected a name of letters, digits, _ . - for partitions[1] but received "../x" of type string'],
    [{ source: 'x', batchSize: 1, partitions: ['train', 'train'] }, 'Expected partition names without repeats for partitions but received ["train","train"] of type array'],
    [{ source: 'x', batchSize: 1, dataset: 'a/b' }, 'Expected a name of letters, digits, _ . - for dataset but received "a/b" of type string'],
    [{ source: 'x', batchSize: 1, token: 'a\nb' }, 'Expected a non-empty string without line breaks for token but received "a\\nb" of type string'],
    [{ source: 'x', batchSize: 1, retry: { retries: -1 } }, 'Expected an integer from 0 to 1000 for retry.retries but received -1 of type number'],
    [{ source: 'x', batchSize: 1, retry: { onRetry: 3 } }, 'Expected a function for retry.onRetry but received 3 of type number'],
    [{ source: 'x', batchSize: 1, signal: {} }, 'Expected an AbortSignal for signal but received {} of type object'],
    [{ source: 'ftp://host/set', batchSize: 1 }, 'Expected an http(s) URL or a directory for source but received "ftp://host/set" of type string'],
    [{ source: '', batchSize: 1 }, 'Expected an http(s) URL or a directory for source but received "" of type string'],
    [{ source: 'http://u:p@host/', batchSize: 1 }, 'Expected a URL without credentials (use the token option) for source but received "http://…@host" of type string'],
    [{ source: 'http://h/v1/stream?batch_size=x', }, 'Expected an integer from 1 to 9007199254740991 for batchSize but received "x" of type string'],
    [{ source: 'http://h/v1/stream?bogus=1', batchSize: 1 }, 'Expected one of dataset, partitions, batch_size, seed, epoch, start_batch, rank, world, drop_remainder, format for source query parameter "bogus" but received "bogus" of type string'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveBatchesOptions(options as never)).toThrow(message);
  });

  it('throws from batches() at once, before any iteration', () => {
    expect(() => batches({ source: 'x', batchSize: -1 })).toThrow(/for batchSize/);
  });
});

describe('resolveSource', () => {
  it('tells directories, file: URLs, http URLs and stream URLs apart', () => {
    expect(resolveSource('rel/dir')).toEqual({ kind: 'dir', dir: `${process.cwd()}/rel/dir` });
    expect(resolveSource('file:///data/set')).toEqual({ kind: 'dir', dir: '/data/set' });
    expect(resolveSource(new URL('https://bucket.example/sets/celeba'))).toMatchObject({ kind: 'url', streamUrl: false });
    expect(resolveSource('http://127.0.0.1:8080/v1/stream')).toMatchObject({ kind: 'url', streamUrl: true });
  });

  it('gives base URLs that end in a slash', () => {
    const base = (s: string): string => String(baseUrl(resolveSource(s) as Extract<ReturnType<typeof resolveSource>, { kind: 'url' }>));
    expect(base('http://h:1')).toBe('http://h:1/');
    expect(base('http://h:1/sets/celeba?x=1')).toBe('http://h:1/sets/celeba/');
    expect(base('http://h:1/prefix/v1/stream?seed=1')).toBe('http://h:1/prefix/');
  });
});
