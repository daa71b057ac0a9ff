import { sealRecordAt } from './framing.js';

/**
 * Fill in the CRCs of the framed records in `chunk[0, end)`: each record's 8-byte length is
 * written already, its length CRC and data CRC slots are not. The one sealing step of
 * TFRecordWriter, run on its chunk worker or inline.
 */
export function sealChunk(chunk: Buffer, end: number): void {
  // records are below 2^31 bytes (MAX_RECORD_BYTES): the length's high word is 0
  for (let pos = 0; pos < end; ) pos = sealRecordAt(chunk, pos, chunk.readUInt32LE(pos));
}
