import { pythonFloatRepr, roundToSignificant } from '../../core/python-float.js';

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

/** `v` to the fewest significant digits (at least 6) that read back as the float32 `v`. */
function shortestFloat32(v: number): number {
  for (let p = FLOAT32_MIN_DIGITS; p <= FLOAT32_MAX_DIGITS; p++) {
    const rounded = roundToSignificant(v, p);
    if (Math.fround(rounded) === v) return rounded;
  }
  return v; // not a float32: print it as the double it is
}
