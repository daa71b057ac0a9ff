import rangeParser from 'range-parser';
import { ifRangeHolds, type Validators } from './conditional.js';

/** An inclusive byte range. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** How to answer a GET or HEAD with respect to Range: the whole file, some ranges, or 416. */
export type RangeDecision = { readonly kind: 'full' } | { readonly kind: 'partial'; readonly ranges: readonly ByteRange[] } | { readonly kind: 'unsatisfiable' };

/**
 * Parse a Range header for a file of `size` bytes with range-parser, after the checks it lacks
 * (RFC 9110 §14.1): a spec with last < first makes the header invalid, and a suffix longer than
 * the file means the whole file. 'ignore' for an invalid header or another unit (answered with
 * 200), 'unsatisfiable' when no range overlaps the file (416).
 */
export function parseRangeHeader(header: string, size: number): ByteRange[] | 'ignore' | 'unsatisfiable' {
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return 'ignore';
  const specs: string[] = [];
  for (const spec of header.slice(eq + 1).split(',')) {
    const m = /^[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/.exec(spec);
    if (!m) return 'ignore';
    const [, first = '', last = ''] = m;
    if (first === '' && last === '') return 'ignore';
    if (first !== '' && last !== '' && Number(first) > Number(last)) return 'ignore';
    specs.push(first === '' && Number(last) > size ? '0-' : `${first}-${last}`);
  }
  const parse = (combine: boolean): ReturnType<typeof rangeParser> => rangeParser(size, `bytes=${specs.join(',')}`, { combine });
  let ranges = parse(false);
  if (ranges === -2) return 'ignore';
  if (ranges === -1) return 'unsatisfiable';
  // Overlapping ranges are merged (§14.2 lets a server coalesce them); others are sent as asked.
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  if (sorted.some((r, i) => i > 0 && r.start <= sorted[i - 1]!.end)) {
    ranges = parse(true);
    if (typeof ranges === 'number') return 'ignore';
  }
  return ranges.map((r) => ({ start: r.start, end: r.end }));
}

/** The headers a range decision reads. */
export interface RangeRequest {
  readonly method: string;
  readonly range: string | undefined;
  readonly ifRange: string | undefined;
}

/**
 * Decide how to answer: Range applies to GET only (§14.2), only when If-Range (if any) holds,
 * only for a non-empty file, and only up to `maxRanges` ranges (more are ignored).
 */
export function decideRange(req: RangeRequest, file: Validators & { readonly size: number }, maxRanges: number): RangeDecision {
  if (req.method !== 'GET' || req.range === undefined || file.size === 0) return { kind: 'full' };
  if (req.ifRange !== undefined && !ifRangeHolds(req.ifRange, file)) return { kind: 'full' };
  const parsed = parseRangeHeader(req.range, file.size);
  if (parsed === 'ignore') return { kind: 'full' };
  if (parsed === 'unsatisfiable') return { kind: 'unsatisfiable' };
  if (parsed.length > maxRanges) return { kind: 'full' };
  return { kind: 'partial', ranges: parsed };
}

/** The layout of a multipart/byteranges body (RFC 9110 §14.6). */
export interface MultipartLayout {
  readonly contentType: string;
  readonly parts: readonly { readonly head: Buffer; readonly range: ByteRange }[];
  readonly tail: Buffer;
  /** Total body length. */
  readonly length: number;
}

/** Lay out a multipart/byteranges body for `ranges` of a file of `size` bytes. */
export function multipartLayout(ranges: readonly ByteRange[], size: number, partType: string, boundary: string): MultipartLayout {
  let length = 0;
  const parts = ranges.map((range, i) => {
    const head = Buffer.from(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${partType}\r\nContent-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`, 'latin1');
    length += head.length + range.end - range.start + 1;
    return { head, range };
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, length };
}
