import { jpegHeader, pngHeader, type ImageHeader } from './image-header.js';
import { LodePng } from './lode-png.js';
import { TurboJpeg } from './turbo-jpeg.js';

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

/**
 * The two WASM codecs of this thread, made on first use: libjpeg-turbo (`@cwasm/jpeg-turbo`,
 * accurate integer IDCT and fancy upsampling, as sharp's mozjpeg decodes) and lodepng.
 */
const codecs: { jpeg?: TurboJpeg; png?: LodePng } = {};
function codec(encoding: FastEncoding): TurboJpeg | LodePng {
  return encoding === 'jpeg' ? (codecs.jpeg ??= new TurboJpeg()) : (codecs.png ??= new LodePng());
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
 * The header of an image the small-image path decodes to `channels` bit-exact with sharp, or
 * `undefined` when it does not (not 8-bit, CMYK, colour to grey, larger than
 * {@link MAX_FAST_PIXELS}, a header it cannot read): the caller decodes that one with sharp.
 */
export function fastHeader(encoded: Uint8Array, encoding: FastEncoding, channels: number): ImageHeader | undefined {
  const header = encoding === 'jpeg' ? jpegHeader(encoded) : pngHeader(encoded);
  return header && handles(header, encoding, channels) ? header : undefined;
}

/**
 * Decode an image {@link fastHeader} accepted into `out` (width × height × channels bytes),
 * uint8 HWC with `channels` (alpha is dropped as sharp's `removeAlpha` does), bit-exact with sharp.
 * Throws on corrupt data, warnings included (a truncated or damaged JPEG is an error, never pixels).
 */
export function fastDecodeInto(encoded: Uint8Array, encoding: FastEncoding, header: ImageHeader, channels: number, out: Uint8Array): void {
  try {
    codec(encoding).decodeInto(encoded, header.width, header.height, channels === 1 ? 1 : 3, out);
  } catch (cause) {
    throw new Error(`${encoding} decoder: ${(cause as Error).message}`, { cause });
  }
}

/** {@link fastHeader} and {@link fastDecodeInto} for one image, into its own buffer; `undefined` for sharp's images. */
export function fastDecode(encoded: Uint8Array, encoding: FastEncoding, channels: number): FastImage | undefined {
  const header = fastHeader(encoded, encoding, channels);
  if (!header) return undefined;
  const pixels = new Uint8Array(header.width * header.height * channels);
  fastDecodeInto(encoded, encoding, header, channels, pixels);
  return { pixels, width: header.width, height: header.height };
}
