import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeExample, exampleToJson, floatFeature } from '../../src/tfrecord/example/index.js';

const PYTHON = '/usr/bin/python3';

/**
 * protobuf's python/google/protobuf/json_format.py for a float field (`_FieldToJsonObject`,
 * `type_checkers.ToShortestFloat`), then `json.dumps` as `MessageToJson` calls it, without the
 * indentation (we print one record per line). The protobuf package itself is not needed.
 */
const MESSAGE_TO_JSON_FLOATS = `
import json, math, struct, sys
def truncate(v): return struct.unpack('<f', struct.pack('<f', v))[0]
def shortest(v):
    p = 6
    r = float('{0:.{1}g}'.format(v, p))
    while truncate(r) != v:
        p += 1
        r = float('{0:.{1}g}'.format(v, p))
    return r
def to_json(v):
    if math.isinf(v): return '-Infinity' if v < 0.0 else 'Infinity'
    if math.isnan(v): return 'NaN'
    return shortest(v)
values = [struct.unpack('<f', bytes.fromhex(h))[0] for h in sys.stdin.read().split()]
print(json.dumps([to_json(v) for v in values], separators=(',', ':')))
`;

/** The float32 bit patterns, as hex little-endian, of `values`. */
function float32Hex(values: readonly number[]): string {
  const b = Buffer.alloc(4);
  return values.map((v) => (b.writeFloatLE(v, 0), b.toString('hex'))).join(' ');
}

/** The text of the floatList value array that exampleToJson prints for `values`. */
function printedFloats(values: readonly number[]): string {
  const json = exampleToJson(encodeExample({ f: floatFeature(...values) }));
  const m = /"floatList":\{"value":(\[[^\]]*\])\}/.exec(json);
  if (!m) throw new Error(`no floatList in ${json}`);
  return m[1]!;
}

/** Edge cases of float32 and a seeded spread of bit patterns (every exponent, random mantissas). */
function sampleFloats(): number[] {
  const edge = [-2900089.25, 2900090.75, 0, -0, 0.1, -0.1, 1, -1, 0.5, 3.14, 1 / 3, 100, 1e6, 123456789, 1e15, 1e16, 1e17, 3.4028234663852886e38, 1e-4, 1e-5, 1.5e-5, 1.17549435e-38, 1.4e-45, -1.4e-45, 0.9, 16777216, 16777217, 2 ** 53];
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  const out = edge.map((v) => Math.fround(v));
  let s = 12345;
  for (let i = 0; i < 3000; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const mantissa = s & 0x7fffff;
    const exponent = i % 255; // 255 would be NaN / Infinity, covered on their own
    bits[0] = ((i & 1) << 31) | (exponent << 23) | mantissa;
    out.push(asFloat[0]!);
  }
  return out;
}

describe('exampleToJson floats (canonical protobuf JSON, as MessageToJson prints them)', () => {
  it('keeps the sign of -0.0 and spells NaN and the infinities as strings', () => {
    const text = exampleToJson(encodeExample({ f: floatFeature(-0, NaN, Infinity, -Infinity, 0.1, 0, 1) }));
    expect(text).toBe('{"features":{"feature":{"f":{"floatList":{"value":[-0.0,"NaN","Infinity","-Infinity",0.1,0.0,1.0]}}}}}');
    const parsed = JSON.parse(text) as { features: { feature: { f: { floatList: { value: unknown[] } } } } };
    expect(Object.is(parsed.features.feature.f.floatList.value[0], -0)).toBe(true);
  });

  it('prints float32 values as Python repr of the shortest decimal that round-trips (float32 spread)', () => {
    expect(printedFloats([1e-5, 1e16, 1e15, 1e-4, 3.4028234663852886e38, 1.4e-45, 0.9, 16777216])).toBe(
      '[1e-05,1e+16,1000000000000000.0,0.0001,3.4028235e+38,1.4013e-45,0.9,16777216.0]',
    );
    // exact ties at 8 digits round half to even, as Python's '%.8g' does (toPrecision rounds away from zero)
    expect(printedFloats([-2900089.25, 2900090.75, 1234567.5])).toBe('[-2900089.2,2900090.8,1234567.5]');
  });

  it.skipIf(!existsSync(PYTHON))('agrees byte for byte with protobuf json_format run by /usr/bin/python3', () => {
    const values = sampleFloats();
    const python = execFileSync(PYTHON, ['-c', MESSAGE_TO_JSON_FLOATS], { input: float32Hex(values), encoding: 'utf8' }).trim();
    const ours = printedFloats(values);
    if (ours !== python) {
      const a = JSON.parse(ours.replaceAll(/(-?[\d.e+-]+)/g, '"$1"')) as string[];
      const b = JSON.parse(python.replaceAll(/(-?[\d.e+-]+)/g, '"$1"')) as string[];
      const i = a.findIndex((v, k) => v !== b[k]);
      expect({ index: i, value: values[i], ours: a[i] }).toEqual({ index: i, value: values[i], ours: b[i] });
    }
    expect(ours).toBe(python);
  });
});
