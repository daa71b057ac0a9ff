import sharp from 'sharp';
import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import { DecodePool } from '../images/decode-pool.js';
import type { DecodeResult } from '../images/decode-protocol.js';
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

/**
 * Decode JPEG or PNG images (`image.encoding`, not raw) to uint8 HWC with `image.channels`, in
 * order. Small 8-bit images go to the decode pool's threads (libjpeg-turbo and lodepng in WASM,
 * bit-exact with sharp and ~10× faster per small image); the others are decoded by sharp. An
 * image that fails (either way) rejects the whole call with an InvalidInputError naming it
 * (`nameOf(i)`): the first failing one in order, once every image is done.
 */
export async function decodeEncodedImages(encoded: readonly Uint8Array[], image: ManifestImage, nameOf: (i: number) => string): Promise<DecodedImage[]> {
  if (image.encoding === 'raw') throw new InvalidParameterError('image.encoding', '"jpeg" or "png" (raw images need no decoding)', image.encoding);
  const encoding = image.encoding;
  const fail = (i: number, message: string, cause?: unknown): InvalidInputError =>
    new InvalidInputError(nameOf(i), `cannot decode the ${encoding} image: ${message}`, cause === undefined ? undefined : { cause });
  const results: readonly DecodeResult[] = await DecodePool.shared().decode(encoded, encoding, image.channels);
  const settled = await Promise.allSettled(
    results.map(async (r, i): Promise<DecodedImage> => {
      if (r.kind === 'ok') return { pixels: r.pixels, height: r.height, width: r.width, channels: image.channels };
      if (r.kind === 'error') throw fail(i, r.message);
      try {
        return await sharpDecode(encoded[i]!, image.channels);
      } catch (cause) {
        throw fail(i, (cause as Error).message, cause);
      }
    }),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<DecodedImage>).value);
}

/** sharp's decode (its thread pool, off the event loop): the reference, and the path for large or unusual images. */
export async function sharpDecode(encoded: Uint8Array, channels: number): Promise<DecodedImage> {
  let pipeline = sharp(encoded, { failOn: 'error' });
  pipeline = channels === 1 ? pipeline.toColourspace('b-w') : pipeline.removeAlpha().toColourspace('srgb');
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { pixels: data, height: info.height, width: info.width, channels: info.channels };
}
