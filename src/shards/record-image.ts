import sharp from 'sharp';
import { InvalidInputError } from '../core/errors.js';
import { decodeExample, getBytes, getInt, type Example } from '../tfrecord/example.js';
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
 * manifest's channel count. JPEG/PNG decoding runs in sharp's thread pool, off the event loop.
 */
export async function decodeRecordImage(record: Uint8Array, image: ManifestImage, name = '<record>'): Promise<DecodedImage> {
  return decodeExampleImage(decodeExample(record, name), image, name);
}

/** As {@link decodeRecordImage}, from an already parsed Example. */
export async function decodeExampleImage(example: Example, image: ManifestImage, name = '<record>'): Promise<DecodedImage> {
  const encoded = getBytes(example, image.feature, name);
  if (image.encoding === 'raw') {
    const height = image.height ?? getInt(example, 'image/height', name);
    const width = image.width ?? getInt(example, 'image/width', name);
    if (encoded.length !== height * width * image.channels) {
      throw new InvalidInputError(name, `raw image holds ${encoded.length} bytes, ${height}×${width}×${image.channels} needs ${height * width * image.channels}`);
    }
    return { pixels: encoded, height, width, channels: image.channels };
  }
  try {
    let pipeline = sharp(encoded, { failOn: 'error' });
    pipeline = image.channels === 1 ? pipeline.toColourspace('b-w') : pipeline.removeAlpha().toColourspace('srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { pixels: data, height: info.height, width: info.width, channels: info.channels };
  } catch (cause) {
    throw new InvalidInputError(name, `cannot decode the ${image.encoding} image: ${(cause as Error).message}`, { cause });
  }
}
