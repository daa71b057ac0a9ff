import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseString } from 'fast-csv';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { InvalidInputError } from '../../core/errors.js';
import { formatFixed } from '../../core/python-float.js';

/** One row of the loss CSV, in the reference's column names; `epoch` counts from 0, as the reference's does. */
export interface LossRow {
  readonly epoch: number;
  readonly Real_P: number;
  readonly Fake_P: number;
  readonly Gen_loss: number;
  readonly Dis_loss: number;
}

/** The reference's header: `epoch,Real_P,Fake_P,Gen_loss,Dis_loss`. */
export const LOSS_HEADERS = ['epoch', 'Real_P', 'Fake_P', 'Gen_loss', 'Dis_loss'] as const;

const VALUE_COLUMNS = ['Real_P', 'Fake_P', 'Gen_loss', 'Dis_loss'] as const;

/** `'{:5d}'` of the reference: the epoch right-aligned in 5 columns. */
const EPOCH_WIDTH = 5;
/** `'{:.6f}'` of the reference. */
const DECIMALS = 6;

/**
 * One line as the reference's training script writes it:
 * `'{:5d},{:.6f},{:.6f},{:.6f},{:.6f}'.format(epoch, real_p, fake_p, gen_loss, dis_loss)`
 * (Python's rounding, `nan`, `inf`, `-inf`), so plotting scripts written for it read ours.
 */
export function formatLossRow(row: LossRow): string {
  return [String(row.epoch).padStart(EPOCH_WIDTH, ' '), ...VALUE_COLUMNS.map((c) => formatFixed(row[c], DECIMALS))].join(',');
}

/** A value as Python's `float()` reads what `'{:.6f}'` wrote (`nan`, `inf`, `-inf` included); undefined if it is none. */
function parseValue(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  const v = t === '' ? NaN : Number(t);
  return Number.isNaN(v) ? undefined : v;
}

/** The row of line `line` (1-based) of `path`. */
function parseRow(cells: readonly string[], path: string, line: number): LossRow {
  if (cells.length !== LOSS_HEADERS.length) throw new InvalidInputError(path, `line ${line}: expected ${LOSS_HEADERS.length} values, found ${cells.length}`);
  const epoch = Number(cells[0]!.trim());
  if (!Number.isSafeInteger(epoch) || epoch < 0 || cells[0]!.trim() === '') throw new InvalidInputError(path, `line ${line}: epoch ${JSON.stringify(cells[0])} is not a count from 0`);
  const values = VALUE_COLUMNS.map((c, i) => {
    const v = parseValue(cells[i + 1]!);
    if (v === undefined) throw new InvalidInputError(path, `line ${line}: ${c} ${JSON.stringify(cells[i + 1])} is not a number`);
    return v;
  });
  return { epoch, Real_P: values[0]!, Fake_P: values[1]!, Gen_loss: values[2]!, Dis_loss: values[3]! };
}

/** Read the rows of an existing loss CSV (none when the file does not exist); errors name the file and line. */
export async function readLossCsv(path: string): Promise<LossRow[]> {
  if (!existsSync(path)) return [];
  const text = await readFile(path, 'utf8');
  return new Promise((resolve, reject) => {
    const rows: LossRow[] = [];
    let line = 0;
    const parser = parseString<string[], string[]>(text, { headers: false });
    parser
      .on('error', reject)
      .on('data', (cells: string[]) => {
        line++;
        try {
          if (line === 1) {
            if (cells.join(',') !== LOSS_HEADERS.join(',')) throw new InvalidInputError(path, `line 1: expected the header ${LOSS_HEADERS.join(',')}, found ${JSON.stringify(cells.join(','))}`);
          } else if (!(cells.length === 1 && cells[0]!.trim() === '')) rows.push(parseRow(cells, path, line));
        } catch (e) {
          parser.destroy();
          reject(e as Error);
        }
      })
      .on('end', () => resolve(rows));
  });
}

/**
 * The rows a resumed run keeps: those of the `epochsDone` epochs before its checkpoint, which
 * must be there exactly once each (rows written after the checkpoint are dropped, the run
 * writes them again), so the numbering goes on with no gap and no duplicate.
 */
export async function lossRowsToResume(path: string, epochsDone: number, checkpoint: string): Promise<LossRow[]> {
  const rows = (await readLossCsv(path)).filter((r) => r.epoch < epochsDone);
  if (rows.length !== epochsDone || rows.some((r, i) => r.epoch !== i)) {
    const have = rows.length === 0 ? 'none' : rows.map((r) => r.epoch).join(', ');
    throw new InvalidInputError(path, `has the rows of epochs ${have}, the checkpoint ${checkpoint} has done epochs 0 to ${epochsDone - 1}: the log does not belong to this checkpoint`);
  }
  return rows;
}

/** Write the header and all rows, atomically (temporary file, then rename). */
export async function writeLossCsv(path: string, rows: readonly LossRow[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, [LOSS_HEADERS.join(','), ...rows.map(formatLossRow)].join('\n') + '\n');
}
