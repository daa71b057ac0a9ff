import { createRequire } from 'node:module';
import { jpegHeader, pngHeader, type ImageHeader } from './image-header.js';

/** Images the small-image path decodes; larger ones go to sharp, whose threads pay off there. */
export const MAX_FAST_PIXELS = 1024 * 1024;

/** Encodings with a small-image decoder (raw needs none). */
export type FastEncoding = 'jpeg' | 'png';

/** A decoded image of the small-image path: uint8 HWC pixels in their own buffer (transferable). */
export interface FastImage {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
}

interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}
interface Codec {
  decode(source: Uint8Array): RgbaImage;
}

const require = createRequire(import.meta.url);

/**
 * The two WASM codecs, loaded (compiled) on first use: libjpeg-turbo (`@cwasm/jpeg-turbo`,
 * accurate integer IDCT and fancy upsampling, as sharp's mozjpeg decodes) and lodepng.
 */
const codecs: { jpeg?: Codec; png?: Codec } = {};
function codec(encoding: FastEncoding): Codec {
  return (codecs[encoding] ??= require(encoding === 'jpeg' ? '@cwasm/jpeg-turbo' : '@cwasm/lodepng') as Codec);
}

/** Whether the small-image path decodes an image with this header to `channels` exactly as sharp does. */
function handles(h: ImageHeader, encoding: FastEncoding, channels: number): boolean {
  if (h.bitDepth !== 8 || h.width === 0 || h.height === 0 || h.width * h.height > MAX_FAST_PIXELS) return false;
  const grey = !h.palette && h.components <= 2;
  if (channels === 1) return grey; // colour → grey is sharp's own conversion: leave it to sharp
  if (channels !== 3) return false;
  return encoding === 'png' || h.components === 1 || h.components === 3; // CMYK JPEG: sharp
}

/**
 * Decode a small JPEG or PNG to uint8 HWC with `channels` (1 or 3; alpha is dropped as sharp's
 * `removeAlpha` does), bit-exact with sharp. Returns `undefined` when this path does not handle
 * the image (not 8-bit, CMYK, colour to grey, larger than {@link MAX_FAST_PIXELS}, or a header it
 * cannot read): the caller decodes it with sharp. Throws on corrupt data, warnings included
 * (a truncated or damaged JPEG is an error here, never pixels).
 */
export function fastDecode(encoded: Uint8Array, encoding: FastEncoding, channels: number): FastImage | undefined {
  const header = encoding === 'jpeg' ? jpegHeader(encoded) : pngHeader(encoded);
  if (!header || !handles(header, encoding, channels)) return undefined;
  let rgba: RgbaImage;
  try {
    rgba = codec(encoding).decode(encoded);
  } catch (cause) {
    throw new Error(`${encoding} decoder: ${(cause as Error).message}`, { cause });
  }
  const { width, height, data } = rgba;
  if (width !== header.width || height !== header.height) throw new Error(`${encoding} decoder: the image is ${height}×${width}, its header says ${header.height}×${header.width}`);
  const pixels = new Uint8Array(width * height * channels);
  if (channels === 1) {
    for (let i = 0, j = 0; j < pixels.length; i += 4) pixels[j++] = data[i]!;
  } else {
    for (let i = 0, j = 0; j < pixels.length; i += 4) {
      pixels[j++] = data[i]!;
      pixels[j++] = data[i + 1]!;
      pixels[j++] = data[i + 2]!;
    }
  }
  return { pixels, width, height };
}
