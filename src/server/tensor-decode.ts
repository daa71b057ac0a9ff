import { InvalidInputError } from '../core/errors.js';
import type { ManifestImage } from '../shards/manifest.js';
import { decodeExampleImage } from '../shards/record-image.js';
import { crc32c } from '../tfrecord/crc32c.js';
import { FOOTER_BYTES, HEADER_BYTES } from '../tfrecord/framing.js';
import { getBytesFeature } from './example-field.js';
import type { Limiter } from './limiter.js';

/** An image ready for a tensor batch: uint8 HWC pixels of the stream's shape, and their CRC-32C. */
export interface StreamImage {
  readonly pixels: Uint8Array;
  readonly crc: number;
}

/** Options of {@link decodeRecordPixels}. */
export interface PixelDecodeOptions {
  readonly image: ManifestImage;
  /** [height, width, channels] every image must have. */
  readonly shape: readonly [number, number, number];
  /** Bounds the images decoding at once over all streams (sharp runs them in libuv's thread pool). */
  readonly limiter: Limiter;
  readonly signal?: AbortSignal;
  /** Where the record is, for errors (e.g. `shard @ byte N: record 3 (id 17)`). */
  readonly name: () => string;
}

/**
 * The pixels of one framed record's image, checked against the stream's shape. Raw images are
 * copied out of the record; JPEG and PNG are decoded by sharp off the event loop.
 */
export async function decodeRecordPixels(framed: Buffer, options: PixelDecodeOptions): Promise<StreamImage> {
  const { image, shape, limiter, signal, name } = options;
  const [h, w, c] = shape;
  const size = h * w * c;
  const data = framed.subarray(HEADER_BYTES, framed.length - FOOTER_BYTES);
  const encoded = getBytesFeature(data, image.feature, name);
  if (image.encoding === 'raw') {
    if (encoded.length !== size) throw new InvalidInputError(name(), `raw image holds ${encoded.length} bytes, ${h}×${w}×${c} needs ${size}`);
    // A copy: a view would keep the whole read buffer (up to a 1 MiB block) alive from the image cache.
    const pixels = Buffer.allocUnsafeSlow(size);
    pixels.set(encoded);
    return { pixels, crc: crc32c(pixels) };
  }
  const img = await limiter.run(() => decodeExampleImage({ [image.feature]: { kind: 'bytes', value: [encoded] } }, image, name()), signal);
  if (img.height !== h || img.width !== w || img.channels !== c) {
    throw new InvalidInputError(name(), `image is ${img.height}×${img.width}×${img.channels}, every image of this stream must be ${h}×${w}×${c}`);
  }
  return { pixels: img.pixels, crc: crc32c(img.pixels) };
}
