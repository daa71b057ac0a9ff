/** Raw uint8 pixels, row-major HWC. */
export interface RawImage {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/** For each output position along one axis: the two input positions to blend and the weight of the second. */
interface AxisTaps {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly frac: Float64Array;
}

function axisTaps(outSize: number, inSize: number, step: number): AxisTaps {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    // Sample at the output pixel's centre; clamping at 0 and at the last pixel is TF's edge handling.
    const at = Math.max(0, (o + 0.5) * scale - 0.5);
    const base = Math.floor(at);
    lo[o] = Math.min(base, inSize - 1) * step;
    hi[o] = Math.min(base + 1, inSize - 1) * step;
    frac[o] = at - base;
  }
  return { lo, hi, frac };
}

/**
 * Resize like TensorFlow 2's `tf.image.resize(image, [height, width])` with its defaults
 * (bilinear, `half_pixel_centers`, no antialiasing), rounded to uint8. Also what
 * `tf.image.resize_with_pad` does to a square image resized to a square.
 * Like TF it blends along x first, then along y.
 */
export function resizeBilinear(image: RawImage, height: number, width: number): RawImage {
  const { pixels, channels: c } = image;
  const xs = axisTaps(width, image.width, c);
  const ys = axisTaps(height, image.height, image.width * c);
  const out = new Uint8Array(width * height * c);
  let o = 0;
  for (let y = 0; y < height; y++) {
    const r0 = ys.lo[y]!;
    const r1 = ys.hi[y]!;
    const dy = ys.frac[y]!;
    for (let x = 0; x < width; x++) {
      const x0 = xs.lo[x]!;
      const x1 = xs.hi[x]!;
      const dx = xs.frac[x]!;
      for (let k = 0; k < c; k++) {
        const a = pixels[r0 + x0 + k]!;
        const top = a + (pixels[r0 + x1 + k]! - a) * dx;
        const b = pixels[r1 + x0 + k]!;
        const bottom = b + (pixels[r1 + x1 + k]! - b) * dx;
        // Round half up (values are >= 0); an integer store is much faster than Math.round.
        out[o++] = (top + (bottom - top) * dy + 0.5) | 0;
      }
    }
  }
  return { pixels: out, width, height, channels: c };
}
