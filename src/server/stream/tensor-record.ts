import { maskCrc, crc32c } from '../../tfrecord/crc32c.js';
import { encodeExample, int64Feature } from '../../tfrecord/example/index.js';
import { varintSize, writeVarint } from '../../tfrecord/example/encode.js';
import { FOOTER_BYTES, HEADER_BYTES, writeHeader } from '../../tfrecord/framing.js';
import { TENSOR_KEYS, type TensorBatch } from '../../shards/tensor-batch.js';
import { crc32cCombineOp, crc32cCombineTable, crc32cShift } from '../../tfrecord/crc-combine.js';
import { InternalError, OutOfRangeError } from '../../core/errors.js';

/*
 * Builds the framed `format=tensor` record in one buffer, byte for byte what
 * encodeRecord(encodeTensorBatch(batch)) gives (a test checks), without the two copies of the
 * pixels and without a CRC pass over them: the pixels are written in place and the data CRC is
 * combined from the CRCs of the parts (crc-combine.ts). The Example is
 *   features { feature { key: "batch/images" value { bytes_list { value: <pixels> } } }
 *              <the other features, as encodeExample writes them> }
 */

const IMAGES_KEY = Buffer.from(TENSOR_KEYS.images, 'utf8');

/** A tensor record being filled: write image `i` with {@link TensorRecord.setImage}, then {@link TensorRecord.finish}. */
export class TensorRecord {
  private readonly imageCrcs: Uint32Array;
  private readonly filled: Uint8Array;

  private constructor(
    /** The framed record. */
    readonly buffer: Buffer,
    private readonly imagesAt: number,
    private readonly imageBytes: number,
    private readonly count: number,
    private readonly prefixCrc: number,
    private readonly suffix: { readonly crc: number; readonly length: number },
    private readonly shiftTable: Uint32Array,
  ) {
    this.imageCrcs = new Uint32Array(count);
    this.filled = new Uint8Array(count);
  }

  /**
   * Lay out the record of a batch of `count` images of `imageBytes` bytes each; `shiftTable` is
   * crc32cShiftTable(imageBytes), shared by every batch of a stream; `alloc` gives the buffer.
   */
  static create(meta: Omit<TensorBatch, 'images'>, imageBytes: number, shiftTable: Uint32Array, alloc: (size: number) => Buffer = Buffer.allocUnsafe): TensorRecord {
    const count = meta.ids.length;
    const rest = Buffer.from(
      encodeExample({
        [TENSOR_KEYS.shape]: int64Feature(...meta.shape),
        [TENSOR_KEYS.ids]: int64Feature(...meta.ids),
        [TENSOR_KEYS.epoch]: int64Feature(meta.epoch),
        [TENSOR_KEYS.index]: int64Feature(meta.batchIndex),
      }),
    );
    // `rest` is 0x0a <varint length> <entries>: keep the entries.
    let p = 1;
    while (rest[p]! & 0x80) p++;
    const entries = rest.subarray(p + 1);
    const imagesLength = count * imageBytes;
    const listLength = 1 + varintSize(imagesLength) + imagesLength;
    const featureLength = 1 + varintSize(listLength) + listLength;
    const entryLength = 1 + varintSize(IMAGES_KEY.length) + IMAGES_KEY.length + 1 + varintSize(featureLength) + featureLength;
    const featuresLength = 1 + varintSize(entryLength) + entryLength + entries.length;
    const exampleLength = 1 + varintSize(featuresLength) + featuresLength;
    const buffer = alloc(HEADER_BYTES + exampleLength + FOOTER_BYTES);
    writeHeader(buffer, 0, exampleLength);
    let at = HEADER_BYTES;
    buffer[at++] = 0x0a; // Example.features
    at = writeVarint(buffer, at, featuresLength);
    buffer[at++] = 0x0a; // Features.feature (map entry)
    at = writeVarint(buffer, at, entryLength);
    buffer[at++] = 0x0a; // entry key
    at = writeVarint(buffer, at, IMAGES_KEY.length);
    at += IMAGES_KEY.copy(buffer, at);
    buffer[at++] = 0x12; // entry value: Feature
    at = writeVarint(buffer, at, featureLength);
    buffer[at++] = 0x0a; // Feature.bytes_list
    at = writeVarint(buffer, at, listLength);
    buffer[at++] = 0x0a; // BytesList.value
    at = writeVarint(buffer, at, imagesLength);
    const imagesAt = at;
    entries.copy(buffer, imagesAt + imagesLength);
    const prefixCrc = crc32c(buffer.subarray(HEADER_BYTES, imagesAt));
    return new TensorRecord(buffer, imagesAt, imageBytes, count, prefixCrc, { crc: crc32c(entries), length: entries.length }, shiftTable);
  }

  /** Put image `i` (its pixels and their CRC-32C) in place. */
  setImage(i: number, pixels: Uint8Array, crc: number): void {
    if (pixels.length !== this.imageBytes) throw new OutOfRangeError('pixels', `image ${i} has ${pixels.length} bytes, expected ${this.imageBytes}`);
    this.buffer.set(pixels, this.imagesAt + i * this.imageBytes);
    this.imageCrcs[i] = crc;
    this.filled[i] = 1;
  }

  /** Write the data CRC, combined from the parts; every image must be set. */
  finish(): Buffer {
    if (this.filled.includes(0)) throw new InternalError('a tensor record was finished with images missing');
    let crc = this.prefixCrc;
    for (let i = 0; i < this.count; i++) crc = crc32cCombineTable(crc, this.imageCrcs[i]!, this.shiftTable);
    crc = crc32cCombineOp(crc, this.suffix.crc, crc32cShift(this.suffix.length));
    this.buffer.writeUInt32LE(maskCrc(crc), this.buffer.length - FOOTER_BYTES);
    return this.buffer;
  }
}
