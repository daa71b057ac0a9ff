/*
 * Conditional requests (RFC 9110 §13) for files: If-Match, If-Unmodified-Since, If-None-Match,
 * If-Modified-Since, evaluated in the order of §13.2.2. If-Range is part of the range decision
 * (range.ts).
 */

/** What the validators of a file are. */
export interface Validators {
  /** Strong, quoted entity tag. */
  readonly etag: string;
  /** Whole seconds. */
  readonly lastModified: Date;
}

/** The request headers conditionals look at. */
export type ConditionalHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Outcome of the preconditions: go on, `304 Not Modified`, or `412 Precondition Failed`. */
export type ConditionalOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

function header(headers: ConditionalHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The entity tags of an If-Match / If-None-Match list (`*` stays `*`). */
export function parseEtagList(value: string): string[] {
  const out: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < value.length && (m = re.exec(value)) !== null) out.push(m[1]!);
  return out;
}

/** Strong comparison (§8.8.3.2): both strong and equal. */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && !b.startsWith('W/') && a === b;
}

/** Weak comparison: equal opaque tags, weakness ignored. */
function weakMatch(a: string, b: string): boolean {
  return a.replace(/^W\//, '') === b.replace(/^W\//, '');
}

/** An HTTP-date as a Date, or undefined when it is not one. */
export function parseHttpDate(value: string): Date | undefined {
  // IMF-fixdate, RFC 850 and asctime all start with a day name; Date.parse reads all three.
  if (!/^\s*[A-Za-z]{3}/.test(value)) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Evaluate the preconditions of a GET or HEAD for a file. */
export function evaluatePreconditions(headers: ConditionalHeaders, v: Validators): ConditionalOutcome {
  const ifMatch = header(headers, 'if-match');
  if (ifMatch !== undefined) {
    const tags = parseEtagList(ifMatch);
    if (!tags.some((t) => t === '*' || strongMatch(t, v.etag))) return 'precondition-failed';
  } else {
    const ius = header(headers, 'if-unmodified-since');
    const date = ius === undefined ? undefined : parseHttpDate(ius);
    if (date && v.lastModified.getTime() > date.getTime()) return 'precondition-failed';
  }
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    const tags = parseEtagList(ifNoneMatch);
    if (tags.some((t) => t === '*' || weakMatch(t, v.etag))) return 'not-modified';
  } else {
    const ims = header(headers, 'if-modified-since');
    const date = ims === undefined ? undefined : parseHttpDate(ims);
    if (date && v.lastModified.getTime() <= date.getTime()) return 'not-modified';
  }
  return 'proceed';
}

/**
 * Whether an If-Range value lets the Range header apply (§13.1.5): a strong entity tag equal to
 * the file's, or an HTTP-date equal to its Last-Modified. A weak tag or anything else does not.
 */
export function ifRangeHolds(value: string, v: Validators): boolean {
  const s = value.trim();
  if (s.startsWith('"') || s.startsWith('W/')) return strongMatch(s, v.etag);
  const date = parseHttpDate(s);
  return date !== undefined && date.getTime() === v.lastModified.getTime();
}
