import { describe, expect, it } from 'vitest';
import { evaluatePreconditions, ifRangeHolds, parseEtagList, parseHttpDate } from '../../src/server/http/conditional.js';
import { Limiter } from '../../src/core/limiter.js';
import { LruCache } from '../../src/core/lru.js';
import { Counter, Gauge, Histogram, MetricsRegistry } from '../../src/core/metrics.js';
import { multipartLayout, parseRangeHeader } from '../../src/server/http/range.js';
import { memoryFile } from '../../src/server/http/served-file.js';

describe('LruCache (CLOCK approximation of LRU)', () => {
  it('evicts the least recently used entries past the byte bound', () => {
    const lru = new LruCache<string, Buffer>({ maxBytes: 10, sizeOf: (b) => b.length });
    lru.set('a', Buffer.alloc(4));
    lru.set('b', Buffer.alloc(4));
    expect(lru.get('a')).toBeDefined(); // a is now the most recent
    lru.set('c', Buffer.alloc(4)); // evicts b
    expect([lru.has('a'), lru.has('b'), lru.has('c')]).toEqual([true, false, true]);
    expect(lru.bytes).toBe(8);
    lru.set('huge', Buffer.alloc(11)); // larger than the bound: not kept
    expect(lru.has('huge')).toBe(false);
    lru.set('a', Buffer.alloc(1));
    expect(lru.bytes).toBe(5);
  });

  it('bounds entries', () => {
    const lru = new LruCache<number, number>({ maxEntries: 2 });
    [1, 2, 3].forEach((k) => lru.set(k, k));
    expect(lru.size).toBe(2);
    expect(lru.has(1)).toBe(false);
  });

  it('tells onRemove of every entry that leaves: evicted, replaced, deleted or cleared', () => {
    const removed: string[] = [];
    const lru = new LruCache<string, number>({ maxBytes: 10, sizeOf: (v) => v, onRemove: (k, v) => removed.push(`${k}=${v}`) });
    lru.set('a', 4);
    lru.set('b', 4);
    lru.set('c', 4); // evicts a
    lru.set('b', 5); // replaces b
    lru.delete('c');
    lru.set('d', 1);
    lru.clear();
    expect(removed).toEqual(['a=4', 'b=4', 'c=4', 'b=5', 'd=1']);
    expect(lru.bytes).toBe(0);
  });

  it('keeps entries that are used while others come and go', () => {
    const lru = new LruCache<number, number>({ maxEntries: 10 });
    for (let k = 0; k < 1000; k++) {
      lru.set(k, k);
      expect(lru.get(0)).toBe(0); // a hot entry
    }
    expect(lru.size).toBe(10);
    expect(lru.has(999)).toBe(true);
  });
});

describe('Limiter', () => {
  it('runs at most `max` jobs, in arrival order, and drops aborted waiters without running them', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      order.push(i);
      running--;
      return i;
    };
    const ac = new AbortController();
    const jobs = [0, 1, 2, 3].map((i) => limiter.run(job(i)));
    const aborted = limiter.run(job(99), ac.signal).catch((e: Error) => e.message);
    ac.abort(new Error('gone'));
    const last = limiter.run(job(4));
    expect(await Promise.all([...jobs, last])).toEqual([0, 1, 2, 3, 4]);
    expect(await aborted).toBe('gone');
    expect(peak).toBe(2);
    expect(order).not.toContain(99);
    expect(limiter.running + limiter.queued).toBe(0);
  });
});

describe('parseRangeHeader (range-parser plus the RFC 9110 checks it lacks)', () => {
  const S = 1000;
  it.each([
    ['bytes=0-0', [{ start: 0, end: 0 }]],
    ['bytes=0-', [{ start: 0, end: 999 }]],
    ['bytes=-1', [{ start: 999, end: 999 }]],
    ['bytes=-5000', [{ start: 0, end: 999 }]],
    ['bytes=990-5000', [{ start: 990, end: 999 }]],
    ['bytes=5-9,0-1', [{ start: 5, end: 9 }, { start: 0, end: 1 }]],
    ['bytes=0-10,5-20,100-110', [{ start: 0, end: 20 }, { start: 100, end: 110 }]],
    ['bytes=0-1,1000-', [{ start: 0, end: 1 }]],
    ['bytes=1000-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=5-2', 'ignore'],
    ['bytes=1-2,5-2', 'ignore'],
    ['bytes=x-2', 'ignore'],
    ['lines=0-2', 'ignore'],
    ['bytes', 'ignore'],
    ['bytes=', 'ignore'],
    ['bytes=-', 'ignore'],
  ])('%s', (header, want) => {
    expect(parseRangeHeader(header, S)).toEqual(want);
  });

  it('lays out multipart/byteranges with an exact length', () => {
    const layout = multipartLayout([{ start: 0, end: 1 }, { start: 5, end: 5 }], 10, 'application/octet-stream', 'BND');
    const body = Buffer.concat([...layout.parts.flatMap((p) => [p.head, Buffer.alloc(p.range.end - p.range.start + 1, 120)]), layout.tail]).toString();
    expect(body).toBe(
      '--BND\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/10\r\n\r\nxx\r\n--BND\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 5-5/10\r\n\r\nx\r\n--BND--\r\n',
    );
    expect(layout.length).toBe(Buffer.byteLength(body));
  });
});

describe('conditionals', () => {
  const v = { etag: '"abc"', lastModified: new Date('2024-05-01T10:00:00Z') };
  it('parse entity-tag lists and HTTP-dates', () => {
    expect(parseEtagList('"a", W/"b" ,*')).toEqual(['"a"', 'W/"b"', '*']);
    expect(parseHttpDate('Wed, 01 May 2024 10:00:00 GMT')?.getTime()).toBe(v.lastModified.getTime());
    expect(parseHttpDate('Wednesday, 01-May-24 10:00:00 GMT')?.getTime()).toBe(v.lastModified.getTime());
    expect(parseHttpDate('Wed May  1 10:00:00 2024')).toBeDefined();
    expect(parseHttpDate('2024')).toBeUndefined();
    expect(parseHttpDate('garbage')).toBeUndefined();
  });

  it('evaluate in RFC 9110 §13.2.2 order', () => {
    expect(evaluatePreconditions({ 'if-match': '"abc"', 'if-none-match': '"abc"' }, v)).toBe('not-modified');
    expect(evaluatePreconditions({ 'if-match': 'W/"abc"' }, v)).toBe('precondition-failed'); // strong comparison
    expect(evaluatePreconditions({ 'if-match': '*' }, v)).toBe('proceed');
    expect(evaluatePreconditions({ 'if-unmodified-since': 'Tue, 30 Apr 2024 10:00:00 GMT' }, v)).toBe('precondition-failed');
    expect(evaluatePreconditions({ 'if-none-match': 'W/"abc"' }, v)).toBe('not-modified'); // weak comparison
    expect(evaluatePreconditions({ 'if-none-match': '"x"', 'if-modified-since': 'Thu, 02 May 2024 10:00:00 GMT' }, v)).toBe('proceed');
    expect(evaluatePreconditions({ 'if-modified-since': 'Thu, 02 May 2024 10:00:00 GMT' }, v)).toBe('not-modified');
    expect(evaluatePreconditions({ 'if-modified-since': 'not a date' }, v)).toBe('proceed');
  });

  it('If-Range holds for the strong tag or the exact date only', () => {
    expect(ifRangeHolds('"abc"', v)).toBe(true);
    expect(ifRangeHolds('W/"abc"', v)).toBe(false);
    expect(ifRangeHolds('Wed, 01 May 2024 10:00:00 GMT', v)).toBe(true);
    expect(ifRangeHolds('Wed, 01 May 2024 10:00:01 GMT', v)).toBe(false);
    expect(ifRangeHolds('nonsense', v)).toBe(false);
  });
});

describe('served files', () => {
  it('give any byte range in chunks', async () => {
    const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const f = memoryFile({ name: 'x', etag: '"x"', lastModified: new Date(0), contentType: 'text/plain' }, bytes);
    const parts: Buffer[] = [];
    for await (const c of f.chunks(3, 97, 7)) parts.push(c);
    expect(parts.every((p) => p.length <= 7)).toBe(true);
    expect(Buffer.concat(parts).equals(bytes.subarray(3, 98))).toBe(true);
  });
});

describe('MetricsRegistry', () => {
  it('exposes a counter without labels at 0 before its first increment; a labelled one has no sample yet', () => {
    const reg = new MetricsRegistry();
    const plain = reg.register(new Counter('a_total', 'Plain.'));
    reg.register(new Counter('b_total', 'Labelled.', ['route']));
    expect(reg.expose()).toBe(['# HELP a_total Plain.', '# TYPE a_total counter', 'a_total 0', '# HELP b_total Labelled.', '# TYPE b_total counter', ''].join('\n'));
    plain.inc();
    expect(reg.expose()).toContain('\na_total 1\n');
  });

  it('writes the Prometheus text format', () => {
    const reg = new MetricsRegistry();
    const c = reg.register(new Counter('x_total', 'Things\ncounted.', ['route']));
    const g = reg.register(new Gauge('y', 'A gauge.', () => 2.5));
    const h = reg.register(new Histogram('z_seconds', 'Times.', [0.1, 1]));
    c.inc({ route: '/a"b\\' });
    c.inc({ route: '/a"b\\' }, 2);
    h.observe(0.05);
    h.observe(5);
    expect(g.get()).toBe(2.5);
    expect(reg.expose()).toBe(
      [
        '# HELP x_total Things\\ncounted.',
        '# TYPE x_total counter',
        'x_total{route="/a\\"b\\\\"} 3',
        '# HELP y A gauge.',
        '# TYPE y gauge',
        'y 2.5',
        '# HELP z_seconds Times.',
        '# TYPE z_seconds histogram',
        'z_seconds_bucket{le="0.1"} 1',
        'z_seconds_bucket{le="1"} 1',
        'z_seconds_bucket{le="+Inf"} 2',
        'z_seconds_sum 5.05',
        'z_seconds_count 2',
        '',
      ].join('\n'),
    );
    expect(() => reg.register(new Gauge('y', 'again'))).toThrow('metric y is registered twice');
    expect(() => reg.register(new Gauge('y', 'again'))).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});
