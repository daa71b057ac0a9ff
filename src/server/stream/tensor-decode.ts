import { InvalidInputError } from '../../core/errors.js';
import type { ManifestImage } from '../../shards/manifest.js';
import { decodeEncodedImages } from '../../shards/record-image.js';
import { crc32c } from '../../tfrecord/crc32c.js';
import { FOOTER_BYTES, HEADER_BYTES } from '../../tfrecord/framing.js';
import { getBytesFeature } from '../../tfrecord/example/field.js';
import type { Limiter } from '../../core/limiter.js';

/** An image ready for a tensor batch: uint8 HWC pixels of the stream's shape, and their CRC-32C. */
export interface StreamImage {
  readonly pixels: Uint8Array;
  readonly crc: number;
}

/** Options of {@link decodeRecordsPixels}. */
export interface PixelDecodeOptions {
  readonly image: ManifestImage;
  /** [height, width, channels] every image must have. */
  readonly shape: readonly [number, number, number];
  /** Bounds the batches decoding at once over all streams (each goes to the decode pool's threads, or sharp's). */
  readonly limiter: Limiter;
  readonly signal?: AbortSignal;
  /** Where record `i` is, for errors (e.g. `shard @ byte N: record 3 (id 17)`). */
  readonly nameOf: (i: number) => string;
}

/**
 * The pixels of framed records' images, in order, each checked against the stream's shape. Raw
 * images are copied out of the record; JPEG and PNG are decoded off the event loop as one batch
 * (decodeEncodedImages: the decode pool, sharp as the fallback). Rejects with the first failing
 * record's error, naming it: a batch never carries wrong pixels.
 */
export async function decodeRecordsPixels(framed: readonly Buffer[], options: PixelDecodeOptions): Promise<StreamImage[]> {
  const { image, shape, limiter, signal, nameOf } = options;
  const [h, w, c] = shape;
  const size = h * w * c;
  const encoded = framed.map((f, i) => getBytesFeature(f.subarray(HEADER_BYTES, f.length - FOOTER_BYTES), image.feature, () => nameOf(i)));
  if (image.encoding === 'raw') {
    return encoded.map((bytes, i) => {
      if (bytes.length !== size) throw new InvalidInputError(nameOf(i), `raw image holds ${bytes.length} bytes, ${h}×${w}×${c} needs ${size}`);
      // A copy: a view would keep the whole read buffer (up to a 1 MiB block) alive from the image cache.
      const pixels = Buffer.allocUnsafeSlow(size);
      pixels.set(bytes);
      return { pixels, crc: crc32c(pixels) };
    });
  }
  const decoded = await limiter.run(() => decodeEncodedImages(encoded, image, nameOf), signal);
  return decoded.map((img, i) => {
    if (img.height !== h || img.width !== w || img.channels !== c) {
      throw new InvalidInputError(nameOf(i), `image is ${img.height}×${img.width}×${img.channels}, every image of this stream must be ${h}×${w}×${c}`);
    }
    return { pixels: img.pixels, crc: crc32c(img.pixels) };
  });
}
