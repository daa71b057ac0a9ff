import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import {
  bytesFeature,
  decodeExample,
  encodeExample,
  exampleToJson,
  floatFeature,
  getBytes,
  getInt,
  int64Feature,
  type Example,
} from '../../src/tfrecord/example/index.js';
import { encodeExampleWire, newExamplePlan, planExample, writeExampleInto } from '../../src/tfrecord/example/encode.js';

const roundTrip = (ex: Example): Example => decodeExample(encodeExample(ex));

describe('Example codec', () => {
  it('round-trips every feature kind', () => {
    const ex = { b: bytesFeature('x', new Uint8Array([0, 255])), f: floatFeature(1.5, -2.25), i: int64Feature(1, -2, 3n) };
    const back = roundTrip(ex);
    expect(back.b).toEqual({ kind: 'bytes', value: [Buffer.from('x'), Buffer.from([0, 255])] });
    expect(back.f).toEqual({ kind: 'float', value: [1.5, -2.25] });
    expect(back.i).toEqual({ kind: 'int64', value: [1n, -2n, 3n] });
  });

  it('round-trips empty lists and an empty Example', () => {
    const back = roundTrip({ b: bytesFeature(), f: floatFeature(), i: int64Feature() });
    expect(back).toEqual({ b: { kind: 'bytes', value: [] }, f: { kind: 'float', value: [] }, i: { kind: 'int64', value: [] } });
    expect(roundTrip({})).toEqual({});
    expect(decodeExample(new Uint8Array(0))).toEqual({});
  });

  it('keeps int64 min, max, -1 and values beyond 2^53 exact', () => {
    const values = [-(2n ** 63n), 2n ** 63n - 1n, -1n, 2n ** 53n + 1n, 0n];
    expect(roundTrip({ i: int64Feature(...values) }).i).toEqual({ kind: 'int64', value: values });
    expect(() => int64Feature(2 ** 53)).toThrow(/Expected a safe integer or a bigint for int64 value \[0\]/);
  });

  it('keeps NaN, ±Infinity and -0 floats', () => {
    const back = roundTrip({ f: floatFeature(NaN, Infinity, -Infinity, -0) }).f!.value as number[];
    expect(Number.isNaN(back[0])).toBe(true);
    expect(back.slice(1, 3)).toEqual([Infinity, -Infinity]);
    expect(Object.is(back[3], -0)).toBe(true);
  });

  it('round-trips a 4 MiB bytes value and unicode keys', () => {
    const big = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const back = roundTrip({ 'image/encoded': bytesFeature(big), 'ключ/名前/🙂': int64Feature(7) });
    expect(Buffer.compare(getBytes(back, 'image/encoded'), big)).toBe(0);
    expect(getInt(back, 'ключ/名前/🙂')).toBe(7);
  });

  it('decodes packed and unpacked repeated fields alike', () => {
    // Feature{float_list{value: 1.0, 2.0}} and Feature{int64_list{value: 3, 4}} written unpacked (one tag per value).
    const w = protobuf.Writer.create();
    const feature = (inner: Uint8Array, field: number): Uint8Array => protobuf.Writer.create().uint32((field << 3) | 2).bytes(inner).finish();
    const floats = protobuf.Writer.create().uint32((1 << 3) | 5).float(1).uint32((1 << 3) | 5).float(2).finish();
    const ints = protobuf.Writer.create().uint32((1 << 3) | 0).int64(3).uint32((1 << 3) | 0).int64(4).finish();
    const entry = (key: string, value: Uint8Array): Uint8Array => protobuf.Writer.create().uint32(10).string(key).uint32(18).bytes(value).finish();
    const features = protobuf.Writer.create()
      .uint32(10)
      .bytes(entry('f', feature(floats, 2)))
      .uint32(10)
      .bytes(entry('i', feature(ints, 3)))
      .finish();
    const unpacked = w.uint32(10).bytes(features).finish();
    expect(decodeExample(unpacked)).toEqual({ f: { kind: 'float', value: [1, 2] }, i: { kind: 'int64', value: [3n, 4n] } });
    // and our own (packed) encoding decodes to the same
    expect(roundTrip({ f: floatFeature(1, 2), i: int64Feature(3, 4) })).toEqual(decodeExample(unpacked));
  });

  it('prints the canonical protobuf JSON form', () => {
    const bytes = encodeExample({ b: bytesFeature('hi'), f: floatFeature(0.1, NaN, -Infinity), i: int64Feature(-(2n ** 63n)), e: int64Feature() });
    expect(JSON.parse(exampleToJson(bytes))).toEqual({
      features: {
        feature: {
          b: { bytesList: { value: ['aGk='] } },
          f: { floatList: { value: [0.1, 'NaN', '-Infinity'] } },
          i: { int64List: { value: ['-9223372036854775808'] } },
          e: { int64List: {} },
        },
      },
    });
    expect(exampleToJson(new Uint8Array(0))).toBe('{}');
  });

  it('names the record when bytes are not an Example', () => {
    expect(() => decodeExample(Buffer.from([0x0a, 0xff]), 'x.tfrecord @ byte 12')).toThrow(/^x\.tfrecord @ byte 12: not a tf\.train\.Example/);
  });
});

describe('hand-written codec against protobufjs (the reference)', () => {
  it('agrees both ways on random Examples', async () => {
    const { exampleTypes } = await import('../../src/tfrecord/example/index.js');
    const T = exampleTypes().Example;
    let x = 12345;
    const rnd = (n: number): number => (x = (x * 1103515245 + 12345) >>> 0) % n;
    for (let round = 0; round < 300; round++) {
      const ex: Example = {};
      const features = rnd(6);
      for (let k = 0; k < features; k++) {
        const key = `k${rnd(1000)}/${'é'.repeat(rnd(3))}`;
        const n = rnd(5);
        const kind = rnd(3);
        if (kind === 0) ex[key] = bytesFeature(...Array.from({ length: n }, () => Buffer.alloc(rnd(300), rnd(256))));
        else if (kind === 1) ex[key] = floatFeature(...Array.from({ length: n }, () => Math.fround((rnd(2000) - 1000) / 7)));
        else ex[key] = int64Feature(...Array.from({ length: n }, () => BigInt.asIntN(64, (BigInt(rnd(2 ** 31)) << BigInt(rnd(40))) * (rnd(2) ? 1n : -1n))));
      }
      const ours = encodeExample(ex);
      const theirs = T.encode(T.decode(ours)).finish();
      expect(Buffer.from(theirs).equals(Buffer.from(ours)), `round ${round}`).toBe(true);
      expect(decodeExample(theirs)).toEqual(ex);
    }
  });

  it('encodes strings as UTF-8 and numbers as exact int64s, short and small ones included', () => {
    const strings = ['', 'jpeg', '000123.jpg', 'é', 'a'.repeat(64) + '€', 'x'.repeat(65), '名前🙂'];
    expect(bytesFeature(...strings).value).toEqual(strings.map((s) => Buffer.from(s, 'utf8')));
    const numbers = [0, -0, 1, 4095, 4096, -1, 2 ** 31, -(2 ** 53) + 1, 2 ** 53 - 1];
    expect(int64Feature(...numbers).value).toEqual(numbers.map((n) => BigInt(n)));
    expect(() => int64Feature(1.5)).toThrow(/Expected a safe integer or a bigint for int64 value \[0\] but received 1.5 of type number/);
  });

  it('plans Examples of any shape into one reused plan', () => {
    const plan = newExamplePlan();
    const shapes: Example[] = [
      { a: bytesFeature('x'.repeat(300)), b: floatFeature(1, 2), c: int64Feature(-1, 2n ** 40n), d: bytesFeature() },
      { only: int64Feature(5) },
      {},
      { b: floatFeature(), 'ключ': bytesFeature('y', 'zz') },
    ];
    for (const ex of shapes) {
      planExample(ex, plan);
      const buf = Buffer.alloc(plan.size + 3);
      expect(writeExampleInto(plan, buf, 3)).toBe(plan.size + 3);
      expect(buf.subarray(3).equals(encodeExampleWire(ex))).toBe(true);
    }
  });
});
