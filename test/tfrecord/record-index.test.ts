import { describe, expect, it } from 'vitest';
import { formatIndex, parseIndex } from '../../src/tfrecord/record-index.js';
import { INDEX_FAULTS, indexText } from '../helpers/index-faults.js';

// Five records of 20, 30, 40, 50, 60 bytes: the shard has 200 bytes.
const sizes = [20, 30, 40, 50, 60];
const text = indexText(sizes);

describe('parseIndex', () => {
  it('reads a contiguous index that ends at the file size', () => {
    const index = parseIndex(text, 'a.index', 200);
    expect(Array.from(index.offsets)).toEqual([0, 20, 50, 90, 140]);
    expect(Array.from(index.sizes)).toEqual([20, 30, 40, 50, 60]);
    expect(formatIndex(index)).toBe(text);
    expect(parseIndex('', 'empty.index', 0).offsets.length).toBe(0);
  });

  it.each(INDEX_FAULTS)('refuses an index with $name, naming the file and the line', ({ apply, message }) => {
    const bad = apply(text);
    let error: unknown;
    try {
      parseIndex(bad, 'a.index', 200);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_INVALID_INPUT', file: 'a.index' });
    expect((error as Error).message).toBe(`a.index: ${message(sizes)}`);
  });

  it('refuses a first record that does not start at byte 0, and records past the end of the file', () => {
    expect(() => parseIndex('4 16\n', 'b.index', 20)).toThrow('b.index: line 1: record 0 starts at byte 4, but the first record starts at byte 0');
    expect(() => parseIndex('0 16\n16 16\n', 'b.index', 20)).toThrow('b.index: line 2: record 1 ends at byte 32, past the end of the 20-byte shard');
    expect(() => parseIndex('', 'b.index', 20)).toThrow('b.index: the index lists no record, but the shard has 20 bytes');
  });

  it('still refuses malformed lines and records below the framing size', () => {
    expect(() => parseIndex('0 20\nx\n', 'c.index', 40)).toThrow('c.index: line 2: expected "<offset> <size>" but found "x"');
    expect(() => parseIndex('0 8\n', 'c.index', 8)).toThrow('c.index: line 1: record size 8 is below the 16 framing bytes');
  });
});
