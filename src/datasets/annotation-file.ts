import { InvalidInputError } from '../core/errors.js';

/** The shape of one CelebA text annotation file. */
export interface AnnotationFormat {
  /** A count line and a header line come before the rows (not so in the partition and identity files). */
  readonly header: boolean;
  /** Value columns after the image name. */
  readonly columns: number;
  /** Values must be integers (the partition and identity files). @default false */
  readonly integers?: boolean;
}

/**
 * Parse a CelebA annotation file as CelebA ships it: optionally a count line and a header line,
 * then `<image> v1 v2 ...` rows with columns separated by runs of spaces, LF or CRLF line ends.
 * Calls `onRow` for each row in file order (`values` is reused between calls). Every malformation
 * is an error naming the file and line; duplicate images are the caller's to detect.
 */
export function parseAnnotationText(text: string, file: string, format: AnnotationFormat, onRow: (image: string, values: Float64Array, line: number) => void): number {
  let lineNo = 0;
  let pos = 0;
  let declared: number | undefined;
  let rows = 0;
  const values = new Float64Array(format.columns);
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    lineNo++;
    if (format.header && lineNo === 1) {
      if (!/^\d+$/.test(line)) throw new InvalidInputError(file, `line 1: expected the count of rows but found ${quote(line)}`);
      declared = Number(line);
      continue;
    }
    if (format.header && lineNo === 2) {
      const names = line.split(/\s+/).filter((t) => t !== '');
      if (names.length !== format.columns && names.length !== format.columns + 1) {
        throw new InvalidInputError(file, `line 2: expected a header of ${format.columns} column names but found ${names.length}`);
      }
      continue;
    }
    if (line === '') continue;
    const tokens = line.split(/\s+/);
    if (tokens.length !== format.columns + 1) {
      throw new InvalidInputError(file, `line ${lineNo}: expected an image name and ${format.columns} values but found ${tokens.length - 1} values`);
    }
    const image = tokens[0]!;
    for (let c = 0; c < format.columns; c++) {
      const token = tokens[c + 1]!;
      const v = Number(token);
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(token) || (format.integers === true && !Number.isInteger(v))) {
        throw new InvalidInputError(file, `line ${lineNo}: expected ${format.integers === true ? 'an integer' : 'a number'} in column ${c + 2} but found ${quote(token)}`);
      }
      values[c] = v;
    }
    onRow(image, values, lineNo);
    rows++;
  }
  if (format.header && lineNo < 2) throw new InvalidInputError(file, 'expected a count line and a header line');
  if (declared !== undefined && declared !== rows) {
    throw new InvalidInputError(file, `the count line says ${declared} rows but the file holds ${rows} (truncated download?)`);
  }
  return rows;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}
