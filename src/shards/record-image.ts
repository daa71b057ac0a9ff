import sharp from 'sharp';
import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import { DecodePool } from '../images/decode-pool.js';
import { crc32c } from '../tfrecord/crc32c.js';
import { decodeExample, getBytes, getInt, type Example } from '../tfrecord/example/index.js';
import type { ManifestImage } from './manifest.js';

/** A decoded image: uint8 pixels, HWC. */
export interface DecodedImage {
  readonly pixels: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * Decode the image of one record (a serialized Example) to raw uint8 HWC pixels with the
 * manifest's channel count, off the event loop (see {@link decodeEncodedImages}).
 */
export async function decodeRecordImage(record: Uint8Array, image: ManifestImage, name = '<record>'): Promise<DecodedImage> {
  return decodeExampleImage(decodeExample(record, name), image, name);
}

/** As {@link decodeRecordImage}, from an already parsed Example. */
export async function decodeExampleImage(example: Example, image: ManifestImage, name = '<record>'): Promise<DecodedImage> {
  return (await decodeExampleImages([example], image, () => name))[0]!;
}

/** The images of parsed Examples, in order, as {@link decodeExampleImage}; `nameOf(i)` names example `i` in errors. */
export async function decodeExampleImages(examples: readonly Example[], image: ManifestImage, nameOf: (i: number) => string): Promise<DecodedImage[]> {
  const encoded = examples.map((ex, i) => getBytes(ex, image.feature, nameOf(i)));
  if (image.encoding !== 'raw') return decodeEncodedImages(encoded, image, nameOf);
  return encoded.map((bytes, i) => {
    const ex = examples[i]!;
    const height = image.height ?? getInt(ex, 'image/height', nameOf(i));
    const width = image.width ?? getInt(ex, 'image/width', nameOf(i));
    if (bytes.length !== height * width * image.channels) {
      throw new InvalidInputError(nameOf(i), `raw image holds ${bytes.length} bytes, ${height}×${width}×${image.channels} needs ${height * width * image.channels}`);
    }
    return { pixels: bytes, height, width, channels: image.channels };
  });
}

/** Decoded images of one batch (see {@link decodeEncodedBatch}). */
export interface DecodedImageBatch {
  readonly images: DecodedImage[];
  /** Each image's CRC-32C with `crc: true`, else undefined. */
  readonly crcs: Uint32Array | undefined;
  /** Give the pool's pixel buffers back for later batches: `images` must not be read after. */
  release(): void;
}

/**
 * Decode JPEG or PNG images (`image.encoding`, not raw) to uint8 HWC with `image.channels`, in
 * order, as {@link decodeEncodedBatch}; the pixels stay valid (they are never released).
 */
export async function decodeEncodedImages(encoded: readonly Uint8Array[], image: ManifestImage, nameOf: (i: number) => string): Promise<DecodedImage[]> {
  return (await decodeEncodedBatch(encoded, image, nameOf)).images;
}

/**
 * Decode JPEG or PNG images (`image.encoding`, not raw) to uint8 HWC with `image.channels`, in
 * order, with their CRC-32C if `crc`. Small 8-bit images go to the decode pool's threads
 * (libjpeg-turbo and lodepng in WASM, bit-exact with sharp and ~10× faster per small image);
 * the others are decoded by sharp. An image that fails (either way) rejects the whole call with
 * an InvalidInputError naming it (`nameOf(i)`): the first failing one in order, once every image
 * is done. The pool's pixels are views into buffers that {@link DecodedImageBatch.release} gives back.
 */
export async function decodeEncodedBatch(encoded: readonly Uint8Array[], image: ManifestImage, nameOf: (i: number) => string, options: { readonly crc?: boolean } = {}): Promise<DecodedImageBatch> {
  if (image.encoding === 'raw') throw new InvalidParameterError('image.encoding', '"jpeg" or "png" (raw images need no decoding)', image.encoding);
  const { encoding, channels } = image;
  const fail = (i: number, message: string, cause?: unknown): InvalidInputError =>
    new InvalidInputError(nameOf(i), `cannot decode the ${encoding} image: ${message}`, cause === undefined ? undefined : { cause });
  const batch = await DecodePool.shared().decode(encoded, encoding, channels, options);
  const images: DecodedImage[] = new Array<DecodedImage>(encoded.length);
  const fallbacks: Promise<void>[] = [];
  let failed: { i: number; error: InvalidInputError } | undefined;
  const failAt = (i: number, error: InvalidInputError): void => {
    if (!failed || i < failed.i) failed = { i, error };
  };
  batch.results.forEach((r, i) => {
    if (r.kind === 'ok') images[i] = { pixels: r.pixels, height: r.height, width: r.width, channels };
    else if (r.kind === 'error') failAt(i, fail(i, r.message));
    else {
      fallbacks.push(
        sharpDecode(encoded[i]!, channels).then(
          (img) => {
            images[i] = img;
            if (batch.crcs) batch.crcs[i] = crc32c(img.pixels);
          },
          (cause: unknown) => failAt(i, fail(i, (cause as Error).message, cause)),
        ),
      );
    }
  });
  await Promise.all(fallbacks);
  if (failed) {
    batch.release();
    throw failed.error;
  }
  return { images, crcs: batch.crcs, release: batch.release };
}

/** sharp's decode (its thread pool, off the event loop): the reference, and the path for large or unusual images. */
export async function sharpDecode(encoded: Uint8Array, channels: number): Promise<DecodedImage> {
  let pipeline = sharp(encoded, { failOn: 'error' });
  pipeline = channels === 1 ? pipeline.toColourspace('b-w') : pipeline.removeAlpha().toColourspace('srgb');
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { pixels: data, height: info.height, width: info.width, channels: info.channels };
}
