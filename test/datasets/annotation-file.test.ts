import { describe, expect, it } from 'vitest';
import { parseAnnotationText } from '../../src/datasets/annotation-file.js';

function parse(text: string, columns: number, header = true, integers = false) {
  const rows: [string, number[], number][] = [];
  const n = parseAnnotationText(text, 'Anno/x.txt', { header, columns, integers }, (image, values, line) => rows.push([image, [...values], line]));
  return { n, rows };
}

describe('parseAnnotationText', () => {
  it('reads the count and header lines, runs of spaces and CRLF line ends', () => {
    const { n, rows } = parse('2\r\nimage_id x_1 y_1 width height\r\n000001.jpg    95  71 226 313\r\n000002.jpg  72  94 221 306\r\n', 4);
    expect(n).toBe(2);
    expect(rows).toEqual([
      ['000001.jpg', [95, 71, 226, 313], 3],
      ['000002.jpg', [72, 94, 221, 306], 4],
    ]);
  });

  it('accepts a header without the image column and with a trailing space, and -1/1 values', () => {
    const { rows } = parse('1\nA B C \n000001.jpg -1  1 -1\n', 3);
    expect(rows[0]![1]).toEqual([-1, 1, -1]);
  });

  it('reads files without count and header lines', () => {
    expect(parse('000001.jpg 0\n000002.jpg 2\n', 1, false, true).rows.map((r) => r[1][0])).toEqual([0, 2]);
  });

  it('rejects a count line that disagrees with the rows', () => {
    expect(() => parse('3\nA\n000001.jpg 1\n000002.jpg 1\n', 1)).toThrow('Anno/x.txt: the count line says 3 rows but the file holds 2 (truncated download?)');
  });

  it('rejects a missing count line', () => {
    expect(() => parse('A B\n000001.jpg 1 2\n', 2)).toThrow('Anno/x.txt: line 1: expected the count of rows but found "A B"');
  });

  it('rejects a header of the wrong width', () => {
    expect(() => parse('1\nA B C D E F\n000001.jpg 1 2\n', 2)).toThrow('Anno/x.txt: line 2: expected a header of 2 column names but found 6');
  });

  it('rejects a row with too few values, naming the line', () => {
    expect(() => parse('2\nA B\n000001.jpg 1 2\n000002.jpg 1\n', 2)).toThrow('Anno/x.txt: line 4: expected an image name and 2 values but found 1 values');
  });

  it('rejects a value that is not a number', () => {
    expect(() => parse('1\nA B\n000001.jpg 1 x2\n', 2)).toThrow('Anno/x.txt: line 3: expected a number in column 3 but found "x2"');
    expect(() => parse('000001.jpg 0.5\n', 1, false, true)).toThrow('Anno/x.txt: line 1: expected an integer in column 2 but found "0.5"');
  });
});
