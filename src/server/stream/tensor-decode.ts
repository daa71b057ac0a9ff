import { InvalidInputError } from '../../core/errors.js';
import type { ManifestImage } from '../../shards/manifest.js';
import { decodeEncodedBatch } from '../../shards/record-image.js';
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

/** The images of a batch's records, in order (see {@link decodeRecordsPixels}). */
export interface StreamImages {
  /** Each image's pixels: views into the records (raw) or the decode pool's buffers, valid until {@link release}. */
  readonly images: readonly StreamImage[];
  /** Give the decode pool's buffers back; `images` must not be read after. */
  release(): void;
}

/**
 * The pixels of framed records' images, in order, each checked against the stream's shape, with
 * their CRCs. Raw images are views into the records; JPEG and PNG are decoded off the event loop
 * as one batch, CRCs included (decodeEncodedBatch: the decode pool, sharp as the fallback).
 * Rejects with the first failing record's error, naming it: a batch never carries wrong pixels.
 * The pixels are views: copy what outlives {@link StreamImages.release} (the image cache).
 */
export async function decodeRecordsPixels(framed: readonly Buffer[], options: PixelDecodeOptions): Promise<StreamImages> {
  const { image, shape, limiter, signal, nameOf } = options;
  const [h, w, c] = shape;
  const size = h * w * c;
  const key = Buffer.from(image.feature, 'utf8');
  const encoded = framed.map((f, i) => getBytesFeature(f.subarray(HEADER_BYTES, f.length - FOOTER_BYTES), key, () => nameOf(i)));
  if (image.encoding === 'raw') {
    const images = encoded.map((pixels, i) => {
      if (pixels.length !== size) throw new InvalidInputError(nameOf(i), `raw image holds ${pixels.length} bytes, ${h}×${w}×${c} needs ${size}`);
      return { pixels, crc: crc32c(pixels) };
    });
    return { images, release: () => undefined };
  }
  const decoded = await limiter.run(() => decodeEncodedBatch(encoded, image, nameOf, { crc: true }), signal);
  const images = decoded.images.map((img, i) => {
    if (img.height !== h || img.width !== w || img.channels !== c) {
      decoded.release();
      throw new InvalidInputError(nameOf(i), `image is ${img.height}×${img.width}×${img.channels}, every image of this stream must be ${h}×${w}×${c}`);
    }
    return { pixels: img.pixels, crc: decoded.crcs![i]! };
  });
  return { images, release: decoded.release };
}
