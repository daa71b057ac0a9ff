import { bytesFeature, decodeExample, encodeExample, getBytes, getInt, getInt64List, int64Feature } from '../tfrecord/example/index.js';
import { InvalidInputError } from '../core/errors.js';

/** Feature keys of a `format=tensor` batch record (DESIGN §5). */
export const TENSOR_KEYS = {
  images: 'batch/images',
  shape: 'batch/shape',
  ids: 'batch/ids',
  epoch: 'batch/epoch',
  index: 'batch/index',
} as const;

/** A batch of decoded images, as the stream carries it and the trainer consumes it. */
export interface TensorBatch {
  /** uint8 pixels, NHWC. */
  readonly images: Uint8Array;
  /** [n, height, width, channels]. */
  readonly shape: readonly [number, number, number, number];
  /** Global record ids, in batch order. */
  readonly ids: readonly number[];
  readonly epoch: number;
  readonly batchIndex: number;
}

/** Serialize a batch as one Example (one record of a `format=tensor` stream). */
export function encodeTensorBatch(batch: TensorBatch): Uint8Array {
  return encodeExample({
    [TENSOR_KEYS.images]: bytesFeature(batch.images),
    [TENSOR_KEYS.shape]: int64Feature(...batch.shape),
    [TENSOR_KEYS.ids]: int64Feature(...batch.ids),
    [TENSOR_KEYS.epoch]: int64Feature(batch.epoch),
    [TENSOR_KEYS.index]: int64Feature(batch.batchIndex),
  });
}

/** Parse one `format=tensor` record; checks that the pixel count matches the shape. */
export function decodeTensorBatch(record: Uint8Array, name = '<stream>'): TensorBatch {
  const ex = decodeExample(record, name);
  const shape = getInt64List(ex, TENSOR_KEYS.shape, name).map(Number);
  if (shape.length !== 4) throw new InvalidInputError(name, `${TENSOR_KEYS.shape} has ${shape.length} values, expected 4`);
  const images = getBytes(ex, TENSOR_KEYS.images, name);
  const [n, h, w, c] = shape as [number, number, number, number];
  if (images.length !== n * h * w * c) throw new InvalidInputError(name, `${TENSOR_KEYS.images} holds ${images.length} bytes, shape [${shape.join(', ')}] needs ${n * h * w * c}`);
  const ids = getInt64List(ex, TENSOR_KEYS.ids, name).map(Number);
  if (ids.length !== n) throw new InvalidInputError(name, `${TENSOR_KEYS.ids} has ${ids.length} ids for ${n} images`);
  return { images, shape: [n, h, w, c], ids, epoch: getInt(ex, TENSOR_KEYS.epoch, name), batchIndex: getInt(ex, TENSOR_KEYS.index, name) };
}
