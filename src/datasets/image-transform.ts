import sharp, { type Sharp } from 'sharp';
import { resizeBilinear, type RawImage } from './resize.js';
import type { ImageEncoding } from './image-encoding.js';

// in their own module so that celeba-convert --help needs no sharp
export { IMAGE_ENCODINGS, type ImageEncoding } from './image-encoding.js';

/** A bounding box as CelebA gives it: top-left corner and size, in pixels. */
export interface BBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A pixel rectangle inside an image. */
export interface Region {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Options of {@link transformImage}. */
export interface TransformOptions {
  /** Crop to this box first (clamped to the image). */
  readonly crop?: BBox;
  /** Resize to size×size; 0 keeps the (cropped) size. */
  readonly size: number;
  readonly encoding: ImageEncoding;
  /** JPEG quality. */
  readonly quality: number;
  /** Channels of the output: 3 (sRGB) or 1 (grey). */
  readonly channels: 1 | 3;
}

/** A converted image. */
export interface TransformedImage {
  readonly ok: true;
  readonly encoded: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Size of the source image, before any crop. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** The crop that was applied (after clamping). */
  readonly region?: Region;
}

/** An input that cannot be converted, with the reason (it is skipped, not fatal). */
export interface RejectedImage {
  readonly ok: false;
  readonly reason: string;
}

/**
 * Clamp a box to a `width`×`height` image the way the reference reads it: coordinates are
 * truncated to integers (its `tf.cast(bbox, tf.int32)`), then the part outside the image is cut
 * off. Returns the reason as a string when nothing is left.
 */
export function clampBox(box: BBox, width: number, height: number): Region | string {
  const zero = zeroAreaReason(box);
  if (zero !== undefined) return zero;
  const x = Math.trunc(box.x);
  const y = Math.trunc(box.y);
  const w = Math.trunc(box.width);
  const h = Math.trunc(box.height);
  const left = Math.max(0, x);
  const top = Math.max(0, y);
  const right = Math.min(width, x + w);
  const bottom = Math.min(height, y + h);
  if (right <= left || bottom <= top) return `bounding box outside the image: ${w}×${h} at ${x},${y} in a ${width}×${height} image`;
  return { left, top, width: right - left, height: bottom - top };
}

/** The reason to skip a box with no area (after truncation to integers), or undefined. */
export function zeroAreaReason(box: BBox): string | undefined {
  const w = Math.trunc(box.width);
  const h = Math.trunc(box.height);
  if (w > 0 && h > 0) return undefined;
  return `zero-area bounding box: ${w}×${h} at ${Math.trunc(box.x)},${Math.trunc(box.y)}`;
}

/**
 * Decode, crop, resize and encode one image. Decoding, cropping and encoding run in sharp
 * (libuv's thread pool); the resize is {@link resizeBilinear}, the reference's
 * `tf.image.resize` (bilinear, half-pixel centres, no antialiasing) computed exactly. sharp's
 * own `resize` antialiases (box shrink + kernel), which the reference does not; its `affine`
 * with the bilinear interpolator matches TF when shrinking but blends the background in at the
 * edges when enlarging, and was slower than decoding to raw pixels and resizing in JS
 * (a 64×64 output costs ~0.1 ms of main thread) in bench/convert.ts.
 *
 * Every image is decoded to its last row, once, so that a damaged file is rejected whatever
 * the crop, as TensorFlow's `decode_jpeg` rejects it (see {@link decodeRegion}). When neither
 * crop nor resize changes the image and it is already in the output encoding with the right
 * channels, the source bytes are stored as they are, as the reference's writer does.
 */
export async function transformImage(input: Uint8Array, options: TransformOptions): Promise<TransformedImage | RejectedImage> {
  let image: Sharp;
  let sourceWidth: number;
  let sourceHeight: number;
  let sourceFormat: string | undefined;
  let sourceChannels: number;
  let hasAlpha: boolean;
  try {
    // Inside the try: sharp throws at once on an empty buffer.
    image = sharp(input, { failOn: 'error' });
    const meta = await image.metadata();
    if (meta.width === undefined || meta.height === undefined) return { ok: false, reason: undecodableReason(input, undefined) };
    sourceWidth = meta.width;
    sourceHeight = meta.height;
    sourceFormat = meta.format;
    sourceChannels = meta.channels ?? 0;
    hasAlpha = meta.hasAlpha ?? false;
  } catch {
    return { ok: false, reason: undecodableReason(input, undefined) };
  }
  // libpng stops after the last row of pixels, so a PNG cut in its final chunks decodes.
  if (sourceFormat === 'png' && !hasPngEnd(input)) return { ok: false, reason: undecodableReason(input, sourceFormat) };
  let region: Region | undefined;
  if (options.crop) {
    const r = clampBox(options.crop, sourceWidth, sourceHeight);
    if (typeof r === 'string') return { ok: false, reason: r };
    region = r;
  }
  const w = region?.width ?? sourceWidth;
  const h = region?.height ?? sourceHeight;
  const outW = options.size > 0 ? options.size : w;
  const outH = options.size > 0 ? options.size : h;
  const base = { ok: true as const, width: outW, height: outH, sourceWidth, sourceHeight, ...(region ? { region } : {}) };
  try {
    const unchanged = !region && outW === w && outH === h;
    if (unchanged && sourceFormat === options.encoding && sourceChannels === options.channels && !hasAlpha) {
      await image.raw().toBuffer();
      return { ...base, encoded: input };
    }
    const pipeline = image.removeAlpha().toColourspace(options.channels === 3 ? 'srgb' : 'b-w');
    if (unchanged) return { ...base, encoded: await encode(pipeline, options) };
    const pixels = await decodeRegion(pipeline, region ?? { left: 0, top: 0, width: sourceWidth, height: sourceHeight }, sourceHeight);
    const resized = outW === w && outH === h ? pixels : resizeBilinear(pixels, outH, outW);
    return { ...base, encoded: await encodePixels(resized, options.encoding, options.quality) };
  } catch {
    return { ok: false, reason: undecodableReason(input, sourceFormat) };
  }
}

/**
 * The raw pixels of `region`, decoded from every row of the image. libvips decodes a JPEG or
 * PNG only as far down as a crop needs, so a file cut below the box would be converted; taking
 * the column strip of the box down to the last row makes the decoder read the whole file (and
 * fail on a truncated one with `failOn`), and the rows outside the box cost no copy.
 */
async function decodeRegion(pipeline: Sharp, region: Region, sourceHeight: number): Promise<RawImage> {
  const strip = pipeline.extract({ left: region.left, top: 0, width: region.width, height: sourceHeight });
  const { data, info } = await strip.raw().toBuffer({ resolveWithObject: true });
  const row = info.width * info.channels;
  return { pixels: data.subarray(region.top * row, (region.top + region.height) * row), width: info.width, height: region.height, channels: info.channels };
}

/** The sharp and libvips versions, which decide the bytes of encoded images (part of resume fingerprints). */
export function codecVersions(): string {
  return `sharp ${sharp.versions.sharp ?? '?'} libvips ${sharp.versions.vips}`;
}

/** Encode raw pixels as JPEG, PNG or (as they are) raw. */
export async function encodePixels(image: RawImage, encoding: ImageEncoding, quality: number): Promise<Uint8Array> {
  if (encoding === 'raw') return image.pixels;
  const pipeline = sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: image.channels as 1 | 3 } });
  // A 1-channel raw input would otherwise come out as sRGB.
  return encode(image.channels === 1 ? pipeline.toColourspace('b-w') : pipeline, { encoding, quality });
}

async function encode(pipeline: Sharp, options: { readonly encoding: ImageEncoding; readonly quality: number }): Promise<Buffer> {
  switch (options.encoding) {
    case 'jpeg':
      return pipeline.jpeg({ quality: options.quality }).toBuffer();
    case 'png':
      return pipeline.png().toBuffer();
    case 'raw':
      return pipeline.raw().toBuffer();
  }
}

/**
 * The reason an image could not be decoded. libvips keeps its error text in a buffer shared by
 * all threads, so with several images in flight the message sharp reports can be another job's
 * or "Unknown error"; the reason is derived from the bytes instead, so that manifests stay
 * byte-identical whatever `workers` is.
 */
export function undecodableReason(input: Uint8Array, format: string | undefined): string {
  const n = input.length;
  if (n === 0) return 'undecodable image: empty file (0 bytes)';
  if (format === undefined) return 'undecodable image: unknown format or corrupt header';
  if (format === 'jpeg' && !(n >= 2 && input[n - 2] === 0xff && input[n - 1] === 0xd9)) return 'undecodable image: truncated JPEG (no end-of-image marker)';
  if (format === 'png' && !hasPngEnd(input)) return 'undecodable image: truncated PNG (no IEND chunk)';
  return `undecodable image: corrupt ${format} data`;
}

/** Whether a PNG's chunks, walked by their lengths from the signature on, reach a whole IEND chunk (bytes after it are ignored, as libpng ignores them). */
export function hasPngEnd(input: Uint8Array): boolean {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let offset = 8; offset + 8 <= input.length; ) {
    const next = offset + 12 + view.getUint32(offset);
    if (view.getUint32(offset + 4) === IEND) return next <= input.length;
    offset = next;
  }
  return false;
}

/** The chunk type `IEND` as a big-endian uint32. */
const IEND = 0x49454e44;
