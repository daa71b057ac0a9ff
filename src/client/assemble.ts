import { InvalidInputError } from '../core/errors.js';
import type { ManifestImage } from '../shards/manifest.js';
import { decodeEncodedBatch, decodeExampleImages, type DecodedImage } from '../shards/record-image.js';
import { getBytesFeature } from '../tfrecord/example/field.js';
import { decodeExample } from '../tfrecord/example/index.js';
import type { TensorBatch } from '../shards/tensor-batch.js';

/**
 * Decode the records of one batch (serialized Examples, in batch order) as one batch of the decode pool and stack
 * their pixels into one NHWC tensor, as a `format=tensor` stream would carry it. Every image
 * must have the same size; `nameOf(i)` names record `i` in errors.
 */
export async function assembleBatch(
  records: readonly Uint8Array[],
  ids: ArrayLike<number>,
  image: ManifestImage,
  epoch: number,
  batchIndex: number,
  nameOf: (i: number) => string,
): Promise<TensorBatch> {
  if (image.encoding === 'raw') {
    return stack(await decodeExampleImages(records.map((r, i) => decodeExample(r, nameOf(i))), image, nameOf), ids, image, epoch, batchIndex, nameOf);
  }
  // Only the image feature is read (as the server's tensor streams do), the pool's pixels copied once.
  const key = Buffer.from(image.feature, 'utf8');
  const batch = await decodeEncodedBatch(records.map((r, i) => getBytesFeature(r, key, () => nameOf(i))), image, nameOf);
  try {
    return stack(batch.images, ids, image, epoch, batchIndex, nameOf);
  } finally {
    batch.release();
  }
}

/** The images stacked into one new NHWC buffer; all of the first one's size. */
function stack(decoded: readonly DecodedImage[], ids: ArrayLike<number>, image: ManifestImage, epoch: number, batchIndex: number, nameOf: (i: number) => string): TensorBatch {
  const first: DecodedImage | undefined = decoded[0];
  const h = first?.height ?? image.height ?? 0;
  const w = first?.width ?? image.width ?? 0;
  const c = first?.channels ?? image.channels;
  const size = h * w * c;
  const images = new Uint8Array(decoded.length * size);
  decoded.forEach((d, i) => {
    if (d.height !== h || d.width !== w || d.channels !== c) {
      throw new InvalidInputError(nameOf(i), `image is ${d.height}×${d.width}×${d.channels} but the batch's first is ${h}×${w}×${c}: a batch needs images of one size`);
    }
    images.set(d.pixels, i * size);
  });
  return { images, shape: [decoded.length, h, w, c], ids: Array.from(ids), epoch, batchIndex };
}
