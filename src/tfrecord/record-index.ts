import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../core/errors.js';
import { FRAMING_BYTES } from './framing.js';

/** Where each record of a TFRecord file is: DALI's / `tfrecord2idx` index format. */
export interface RecordIndex {
  /** Byte offset of each record's header. */
  readonly offsets: Float64Array;
  /** Size of each record including the 16 framing bytes. */
  readonly sizes: Float64Array;
}

/** Format an index as text: one `<offset> <size>` line per record. */
export function formatIndex(index: RecordIndex): string {
  const lines: string[] = new Array<string>(index.offsets.length);
  for (let i = 0; i < index.offsets.length; i++) lines[i] = `${index.offsets[i]} ${index.sizes[i]}\n`;
  return lines.join('');
}

/**
 * Parse index text and check it against its shard of `fileSize` bytes: the records must lie end
 * to end, the first at byte 0 and the last ending at the end of the file (so offsets strictly
 * increase and no record is listed twice or left out). `name` (the index file) leads every error,
 * which also names the line.
 */
export function parseIndex(text: string, name: string, fileSize: number): RecordIndex {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const offsets = new Float64Array(lines.length);
  const sizes = new Float64Array(lines.length);
  let end = 0;
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\d+) (\d+)\r?$/.exec(lines[i]!);
    if (!m) throw new InvalidInputError(name, `line ${i + 1}: expected "<offset> <size>" but found ${JSON.stringify(lines[i]!.slice(0, 80))}`);
    const offset = Number(m[1]);
    const size = Number(m[2]);
    if (size < FRAMING_BYTES) throw new InvalidInputError(name, `line ${i + 1}: record size ${size} is below the 16 framing bytes`);
    if (offset !== end) {
      const expected = i === 0 ? 'the first record starts at byte 0' : `record ${i - 1} ends at byte ${end}`;
      throw new InvalidInputError(name, `line ${i + 1}: record ${i} starts at byte ${offset}, but ${expected}`);
    }
    end = offset + size;
    if (end > fileSize) throw new InvalidInputError(name, `line ${i + 1}: record ${i} ends at byte ${end}, past the end of the ${fileSize}-byte shard`);
    offsets[i] = offset;
    sizes[i] = size;
  }
  if (end !== fileSize) {
    const where = lines.length === 0 ? 'the index lists no record' : `line ${lines.length}: the last record listed ends at byte ${end}`;
    throw new InvalidInputError(name, `${where}, but the shard has ${fileSize} bytes`);
  }
  return { offsets, sizes };
}

/** Read and parse the index file at `path` of a shard of `fileSize` bytes (see {@link parseIndex}). */
export async function readIndexFile(path: string, fileSize: number): Promise<RecordIndex> {
  return parseIndex(await readFile(path, 'utf8'), path, fileSize);
}

/** Builds an index as records are appended. */
export class IndexBuilder {
  private offsets: number[] = [];
  private sizes: number[] = [];

  add(offset: number, size: number): void {
    this.offsets.push(offset);
    this.sizes.push(size);
  }

  get count(): number {
    return this.offsets.length;
  }

  build(): RecordIndex {
    return { offsets: Float64Array.from(this.offsets), sizes: Float64Array.from(this.sizes) };
  }
}
