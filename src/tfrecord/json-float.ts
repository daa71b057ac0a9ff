/**
 * Floats as protobuf's `MessageToJson` (python/google/protobuf/json_format.py) prints them:
 * NaN and the infinities as the strings "NaN", "Infinity", "-Infinity"; a float32 as the
 * shortest `%.{6..9}g` decimal that reads back as the same float32 (`ToShortestFloat`), written
 * as `json.dumps` writes a Python float (its `repr`: `1.0`, `-0.0`, `1e-05`, `1e+16`). So the
 * sign of -0.0 survives and a Python reader gets floats, not ints.
 */

/** The JSON text of a float32 value of a record, as MessageToJson prints it. */
export function float32Json(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  return pythonFloatRepr(shortestFloat32(v));
}

/** float32 has 6 to 9 significant decimal digits; 9 always reads back. */
const FLOAT32_MIN_DIGITS = 6;
const FLOAT32_MAX_DIGITS = 9;

/** The number of fewest significant digits (at least 6) that reads back as the float32 `v`. */
function shortestFloat32(v: number): number {
  if (v === 0) return v; // keeps the sign of -0
  for (let p = FLOAT32_MIN_DIGITS; p <= FLOAT32_MAX_DIGITS; p++) {
    const rounded = roundToDigits(v, p);
    if (Math.fround(rounded) === v) return rounded;
  }
  return v; // not a float32: print it as the double it is
}

/**
 * Python's `float('%.{p}g' % v)`: `v` rounded to `p` significant digits, ties to even.
 * (`toPrecision` rounds ties away from zero: -2900089.25 to 8 digits is …089.3 there, …089.2 in Python.)
 */
function roundToDigits(v: number, p: number): number {
  const { digits, exponent } = exactDecimal(Math.abs(v));
  if (digits.length <= p) return v;
  let head = BigInt(digits.slice(0, p));
  const first = digits.charCodeAt(p) - 48;
  const tie = first === 5 && /^0*$/.test(digits.slice(p + 1));
  if (first > 5 || (first === 5 && !tie) || (tie && (head & 1n) === 1n)) head += 1n;
  const rounded = Number(`${head}e${exponent + digits.length - p}`);
  return v < 0 ? -rounded : rounded;
}

/** The exact value of a positive finite double as `digits × 10^exponent` (a double is m × 2^k, and 2^-k = 5^k / 10^k). */
function exactDecimal(v: number): { digits: string; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const k = biased === 0 ? -1074 : biased - 1075;
  if (k >= 0) return { digits: (m << BigInt(k)).toString(), exponent: 0 };
  return { digits: (m * 5n ** BigInt(-k)).toString(), exponent: k };
}

/** Python's `repr` switches to exponent form when the decimal point is this far out. */
const REPR_MIN_DECPT = -4;
const REPR_MAX_DECPT = 16;

/** Python's `repr(float)` of a finite number: the shortest digits that read back, `.0` on integers. */
export function pythonFloatRepr(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  const [mantissa = '', exponent = '0'] = Math.abs(v).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const decpt = Number(exponent) + 1; // v = 0.<digits> × 10^decpt
  if (decpt > REPR_MIN_DECPT && decpt <= REPR_MAX_DECPT) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const e = decpt - 1;
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
  return `${sign}${digits[0]}${fraction}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
