/**
 * Python's formatting of a float, exactly: the formats the reference's outputs are written
 * with (`'{:.6f}'` in the loss CSV, `'%.{p}g'` and `repr` in protobuf's `json_format`).
 * Python rounds the exact binary value half to even; `toFixed` and `toPrecision` round ties
 * away from zero and drop the sign of -0, so both are done here on the exact decimal.
 */

/** Python's `'{:.Nf}'.format(v)`: `nan`, `inf`, `-inf`, and `-0.000000` for -0 and tiny negatives. */
export function formatFixed(v: number, decimals: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity || v === -Infinity) return v > 0 ? 'inf' : '-inf';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const exact = v === 0 ? undefined : exactDecimal(Math.abs(v));
  const scaled = exact ? roundedDigits(exact, exact.digits.length + exact.exponent + decimals).toString() : '0';
  const padded = scaled.padStart(decimals + 1, '0');
  const point = padded.length - decimals;
  return decimals === 0 ? `${sign}${padded}` : `${sign}${padded.slice(0, point)}.${padded.slice(point)}`;
}

/** Python's `float('%.{p}g' % v)`: finite `v` rounded to `p` significant digits, ties to even. */
export function roundToSignificant(v: number, p: number): number {
  if (v === 0) return v;
  const exact = exactDecimal(Math.abs(v));
  const rounded = Number(`${roundedDigits(exact, p)}e${exact.exponent + exact.digits.length - p}`);
  return v < 0 ? -rounded : rounded;
}

/** Python's `repr(v)` of a finite float: the shortest digits that read back, `.0` on integers, exponent form outside 1e-4 … 1e16. */
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

/** Python's `repr` switches to exponent form when the decimal point is this far out (`float_repr_style` short). */
const REPR_MIN_DECPT = -4;
const REPR_MAX_DECPT = 16;

/** The exact value of a positive finite double: `digits × 10^exponent`. */
interface ExactDecimal {
  readonly digits: string;
  readonly exponent: number;
}

/** A double is m × 2^k, and 2^k = 5^-k / 10^-k for k < 0: so its decimal expansion is finite and exact. */
function exactDecimal(v: number): ExactDecimal {
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

/** The leading `n` digits of `exact` as an integer (zeros added past its end), rounded half to even on the digits after. */
function roundedDigits(exact: ExactDecimal, n: number): bigint {
  const { digits } = exact;
  if (n >= digits.length) return BigInt(digits) * 10n ** BigInt(n - digits.length);
  if (n < 0) return 0n; // below a tenth of the last kept unit
  const head = n === 0 ? 0n : BigInt(digits.slice(0, n));
  const next = digits.charCodeAt(n) - 48;
  const tie = next === 5 && /^0*$/.test(digits.slice(n + 1));
  return next > 5 || (next === 5 && (!tie || (head & 1n) === 1n)) ? head + 1n : head;
}
