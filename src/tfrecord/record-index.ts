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

/** Parse index text; `name` is used in errors. Checks that records are contiguous and well-formed. */
export function parseIndex(text: string, name: string): RecordIndex {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const offsets = new Float64Array(lines.length);
  const sizes = new Float64Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\d+) (\d+)\r?$/.exec(lines[i]!);
    if (!m) throw new InvalidInputError(name, `line ${i + 1}: expected "<offset> <size>" but found ${JSON.stringify(lines[i]!.slice(0, 80))}`);
    offsets[i] = Number(m[1]);
    sizes[i] = Number(m[2]);
    if (sizes[i]! < FRAMING_BYTES) throw new InvalidInputError(name, `line ${i + 1}: record size ${sizes[i]} is below the 16 framing bytes`);
  }
  return { offsets, sizes };
}

/** Read and parse an index file. */
export async function readIndexFile(path: string): Promise<RecordIndex> {
  return parseIndex(await readFile(path, 'utf8'), path);
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
