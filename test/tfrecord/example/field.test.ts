import { describe, expect, it } from 'vitest';
import { getBytesFeature } from '../../../src/tfrecord/example/field.js';
import { bytesFeature, decodeExample, encodeExample, floatFeature, getBytes, int64Feature, type Example } from '../../../src/tfrecord/example/index.js';

/** A deterministic pseudo-random Example. */
function randomExample(seed: number): Example {
  let s = seed;
  const rnd = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % n;
  };
  const ex: Example = {};
  const keys = 1 + rnd(6);
  for (let k = 0; k < keys; k++) {
    const key = rnd(4) === 0 ? `ключ/${k}` : `key/${k}/${'x'.repeat(rnd(200))}`;
    const kind = rnd(3);
    if (kind === 0) ex[key] = bytesFeature(...Array.from({ length: rnd(3) }, () => Buffer.from(Array.from({ length: rnd(300) }, () => rnd(256)))));
    else if (kind === 1) ex[key] = floatFeature(...Array.from({ length: rnd(5) }, () => rnd(1000) / 7));
    else ex[key] = int64Feature(...Array.from({ length: rnd(5) }, () => rnd(1 << 30) - (1 << 29)));
  }
  ex['image/encoded'] = bytesFeature(Buffer.from(Array.from({ length: rnd(20000) }, () => rnd(256))));
  return ex;
}

describe('getBytesFeature (the tensor path reads one bytes feature without decoding the Example)', () => {
  it('gives the same bytes as decodeExample on 300 random Examples', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const bytes = encodeExample(randomExample(seed));
      const want = getBytes(decodeExample(bytes), 'image/encoded');
      const got = getBytesFeature(bytes, 'image/encoded', 'r');
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      expect(got.buffer).toBe(bytes.buffer); // a view, no copy
    }
  });

  it('fails as getBytes does: missing, wrong kind, not exactly one value — naming the record', () => {
    const ex = encodeExample({ a: int64Feature(1), b: bytesFeature(), c: bytesFeature('x', 'y'), d: floatFeature(1) });
    expect(() => getBytesFeature(ex, 'zz', 'shard @ byte 9')).toThrow('shard @ byte 9: feature "zz" is missing');
    expect(() => getBytesFeature(ex, 'a', 'r')).toThrow('r: feature "a" is int64, expected bytes');
    expect(() => getBytesFeature(ex, 'd', 'r')).toThrow('r: feature "d" is float, expected bytes');
    expect(() => getBytesFeature(ex, 'b', 'r')).toThrow('r: feature "b" has 0 values, expected 1');
    expect(() => getBytesFeature(ex, 'c', () => 'lazy name')).toThrow('lazy name: feature "c" has 2 values, expected 1');
  });

  it('rejects bytes that are not an Example', () => {
    expect(() => getBytesFeature(Buffer.from([0x0a, 0x7f, 1, 2]), 'k', 'r')).toThrow('r: not a tf.train.Example: length-delimited field runs past its message');
    expect(() => getBytesFeature(Buffer.from([0x0b]), 'k', 'r')).toThrow('r: not a tf.train.Example: unsupported wire type 3');
    expect(() => getBytesFeature(Buffer.from([0x08, 0x80]), 'k', 'r')).toThrow('r: not a tf.train.Example: truncated varint');
  });

  it('follows protobuf merge rules: the last entry of a repeated key wins', () => {
    const first = encodeExample({ k: bytesFeature('old') });
    const second = encodeExample({ k: bytesFeature('new') });
    const merged = Buffer.concat([first, second]); // concatenated messages merge
    expect(Buffer.from(getBytesFeature(merged, 'k')).toString()).toBe('new');
  });
});
