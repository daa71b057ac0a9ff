/**
 * Test helper: the ways an `.index` file can disagree with its shard (issue 12, defect 5), each
 * as an edit of the index text and the message `parseIndex` gives for it (after `<file>: `).
 *
 * ```ts
 * for (const fault of INDEX_FAULTS) {
 *   await writeFile(indexPath, fault.apply(await readFile(indexPath, 'utf8')));
 *   // ... expect an error `${indexPath}: ${fault.message(sizes)}`
 * }
 * ```
 * Every fault touches lines 3 and 4 or the end, so the index needs at least 4 records.
 */

/** One way to break an index. */
export interface IndexFault {
  readonly name: string;
  /** The broken index text. */
  apply(text: string): string;
  /** What `parseIndex` says about it, for an index of records of these framed sizes. */
  message(sizes: readonly number[]): string;
}

/** Index text for records of these framed sizes, laid end to end from byte 0. */
export function indexText(sizes: readonly number[]): string {
  const offsets = offsetsOf(sizes);
  return sizes.map((s, i) => `${offsets[i]} ${s}\n`).join('');
}

function offsetsOf(sizes: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(at);
    at += s;
  }
  out.push(at);
  return out;
}

function editLines(text: string, edit: (lines: string[]) => void): string {
  const lines = text.split('\n');
  lines.pop();
  edit(lines);
  return lines.map((l) => `${l}\n`).join('');
}

/** The variants of defect 5: duplicated, swapped, shifted, missing last, extra. */
export const INDEX_FAULTS: readonly IndexFault[] = [
  {
    name: 'line 3 copied over line 4',
    apply: (text) => editLines(text, (l) => void (l[3] = l[2]!)),
    message: (sizes) => {
      const o = offsetsOf(sizes);
      return `line 4: record 3 starts at byte ${o[2]}, but record 2 ends at byte ${o[3]}`;
    },
  },
  {
    name: 'lines 3 and 4 swapped',
    apply: (text) => editLines(text, (l) => void ([l[2], l[3]] = [l[3]!, l[2]!])),
    message: (sizes) => {
      const o = offsetsOf(sizes);
      return `line 3: record 2 starts at byte ${o[3]}, but record 1 ends at byte ${o[2]}`;
    },
  },
  {
    name: 'the offset of line 3 shifted by one byte',
    apply: (text) => editLines(text, (l) => void (l[2] = l[2]!.replace(/^\d+/, (d) => String(Number(d) + 1)))),
    message: (sizes) => {
      const o = offsetsOf(sizes);
      return `line 3: record 2 starts at byte ${o[2]! + 1}, but record 1 ends at byte ${o[2]}`;
    },
  },
  {
    name: 'the last line missing',
    apply: (text) => editLines(text, (l) => void l.pop()),
    message: (sizes) => {
      const o = offsetsOf(sizes);
      const n = sizes.length;
      return `line ${n - 1}: the last record listed ends at byte ${o[n - 1]}, but the shard has ${o[n]} bytes`;
    },
  },
  {
    name: 'an extra line (the last one twice)',
    apply: (text) => editLines(text, (l) => void l.push(l[l.length - 1]!)),
    message: (sizes) => {
      const o = offsetsOf(sizes);
      const n = sizes.length;
      return `line ${n + 1}: record ${n} starts at byte ${o[n - 1]}, but record ${n - 1} ends at byte ${o[n]}`;
    },
  },
];
