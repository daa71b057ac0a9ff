import type { TensorBatch } from '../../../src/shards/tensor-batch.js';

/** A batch as plain data, so that `toEqual` compares pixels whatever the array class. */
export interface PlainBatch {
  readonly ids: number[];
  readonly shape: number[];
  readonly epoch: number;
  readonly batchIndex: number;
  /** base64 of the NHWC pixels. */
  readonly images: string;
}

export function plain(b: TensorBatch): PlainBatch {
  return { ids: [...b.ids], shape: [...b.shape], epoch: b.epoch, batchIndex: b.batchIndex, images: Buffer.from(b.images.buffer, b.images.byteOffset, b.images.length).toString('base64') };
}

/** Drain an async iterable of batches into plain data (at most `limit`, then break). */
export async function collect(it: AsyncIterable<TensorBatch>, limit = Infinity): Promise<PlainBatch[]> {
  const out: PlainBatch[] = [];
  if (limit <= 0) return out;
  for await (const b of it) {
    out.push(plain(b));
    if (out.length >= limit) break;
  }
  return out;
}
