import { describe, expect, it } from 'vitest';
import { CorruptRecordError, InvalidInputError } from '../../src/core/errors.js';
import { HttpStatusError, IncompleteResponseError, ManifestChangedError, ProtocolError, RetriesExhaustedError } from '../../src/client/errors.js';
import { Backoff, isRetryable, parseRetryAfter, retryDelay, withRetry, type RetryInfo, type RetryPolicy } from '../../src/client/retry.js';

const policy: RetryPolicy = { retries: 3, minDelay: 1, maxDelay: 4, maxRetryAfter: 50 };
const status = (s: number, retryAfter?: number): HttpStatusError => new HttpStatusError('http://h/x', s, `HTTP ${s}`, { retryAfter });
const coded = (code: string): Error => Object.assign(new Error(code), { code });

describe('isRetryable', () => {
  it.each([
    ['503', status(503), true],
    ['500', status(500), true],
    ['502', status(502), true],
    ['429', status(429), true],
    ['408', status(408), true],
    ['400', status(400), false],
    ['401', status(401), false],
    ['404', status(404), false],
    ['416', status(416), false],
    ['500 ERR_BAD_DATA (a corrupt record)', new HttpStatusError('u', 500, 'bad', { serverCode: 'ERR_BAD_DATA' }), false],
    ['500 ERR_INTERNAL', new HttpStatusError('u', 500, 'oops', { serverCode: 'ERR_INTERNAL' }), true],
    ['ECONNREFUSED', coded('ECONNREFUSED'), true],
    ['ECONNRESET', coded('ECONNRESET'), true],
    ['undici socket', coded('UND_ERR_SOCKET'), true],
    ['undici body timeout', coded('UND_ERR_BODY_TIMEOUT'), true],
    ['wrapped socket error', new Error('fetch failed', { cause: coded('ECONNRESET') }), true],
    ['truncated stream', new CorruptRecordError('u', 10, 1, 'truncated-data'), true],
    ['CRC mismatch', new CorruptRecordError('u', 10, 1, 'data-crc'), false],
    ['stream ended early', new IncompleteResponseError('u', 'ended'), true],
    ['manifest changed', new ManifestChangedError('u', 'changed'), false],
    ['protocol', new ProtocolError('u', 'bad'), false],
    ['bad input', new InvalidInputError('u', 'bad'), false],
    ['abort', Object.assign(new Error('aborted'), { name: 'AbortError' }), false],
    ['plain error', new Error('boom'), false],
  ])('%s → %s', (_, error, want) => {
    expect(isRetryable(error)).toBe(want);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 08:00:00 GMT'))).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('retryDelay', () => {
  it('doubles from minDelay up to maxDelay, and honours Retry-After up to maxRetryAfter', () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelay(policy, a, coded('ECONNRESET')))).toEqual([1, 2, 4, 4, 4]);
    expect(retryDelay(policy, 1, status(503, 20))).toBe(20);
    expect(retryDelay(policy, 1, status(503, 9000))).toBe(50);
  });
});

describe('withRetry / Backoff', () => {
  it('retries until success and reports each wait', async () => {
    const seen: RetryInfo[] = [];
    let calls = 0;
    const v = await withRetry('http://h/x', { ...policy, onRetry: (i) => seen.push(i) }, undefined, async () => {
      if (++calls < 3) throw status(503);
      return 'ok';
    });
    expect(v).toBe('ok');
    expect(seen.map((i) => [i.attempt, i.delay])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('rethrows at once what retrying cannot fix', async () => {
    let calls = 0;
    const refused = status(401);
    await expect(
      withRetry('http://h/x', policy, undefined, async () => {
        calls++;
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('gives up after the budget with the last error as cause', async () => {
    const error = await withRetry('http://h/x', policy, undefined, async () => {
      throw coded('ECONNREFUSED');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ code: 'ERR_RETRIES_EXHAUSTED', url: 'http://h/x', status: 0, attempts: 4 });
    expect((error as Error).message).toMatch(/^http:\/\/h\/x: gave up after 4 attempts in \d+\.\d s: ECONNREFUSED$/);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('keeps the status of the last HTTP error and drops its repeated URL prefix', async () => {
    const error = await withRetry('http://h/x', { ...policy, retries: 0 }, undefined, async () => {
      throw status(503);
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, message: 'http://h/x: gave up after 1 attempts in 0.0 s: HTTP 503' });
  });

  it('starts a fresh budget after reset()', async () => {
    const backoff = new Backoff({ ...policy, retries: 1 }, 'u');
    await backoff.wait(status(503));
    backoff.reset();
    await backoff.wait(status(503));
    await expect(backoff.wait(status(503))).rejects.toBeInstanceOf(RetriesExhaustedError);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const backoff = new Backoff({ ...policy, minDelay: 10_000, maxDelay: 10_000 }, 'u', controller.signal);
    const waiting = backoff.wait(status(503));
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });
});
