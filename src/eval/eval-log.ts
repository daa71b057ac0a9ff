import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { InvalidInputError } from '../core/errors.js';
import type { RunLayout } from '../train/run-layout.js';
import type { DigitScore } from './digit-score.js';

/** One row of `logs/<SaveName>-eval.csv`: the score of an epoch's generator (`epoch` from 0, as the loss CSV). */
export interface EvalRow {
  readonly epoch: number;
  /** Share recognised with confidence ≥ 0.9. */
  readonly recognised: number;
  readonly digits_present: number;
  /** Of the recognised digits' histogram, in nats. */
  readonly entropy_nats: number;
  readonly classifier_fid: number;
  readonly images: number;
}

/** Header of the eval CSV. */
export const EVAL_HEADERS = ['epoch', 'recognised', 'digits_present', 'entropy_nats', 'classifier_fid', 'images'] as const;

/** Where a run's score goes: `logs/<SaveName>-eval.csv` and `plot/<SaveName>-eval.png`, beside the loss CSV and plots. */
export function evalPaths(layout: RunLayout): { readonly csv: string; readonly plot: string } {
  return { csv: join(layout.root, 'logs', `${layout.saveName}-eval.csv`), plot: join(layout.root, 'plot', `${layout.saveName}-eval.png`) };
}

/** The CSV row of an epoch's score. */
export function evalRow(epoch: number, score: DigitScore): EvalRow {
  return { epoch, recognised: score.recognised, digits_present: score.digitsPresent, entropy_nats: score.entropy, classifier_fid: score.fid, images: score.images };
}

/** Write the header and all rows atomically. */
export async function writeEvalCsv(path: string, rows: readonly EvalRow[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const line = (r: EvalRow): string =>
    [String(r.epoch), r.recognised.toFixed(4), String(r.digits_present), r.entropy_nats.toFixed(4), r.classifier_fid.toFixed(3), String(r.images)].join(',');
  await writeFileAtomic(path, [EVAL_HEADERS.join(','), ...rows.map(line)].join('\n') + '\n');
}

/** Rows of an eval CSV (none when it does not exist); errors name the file and line. */
export async function readEvalCsv(path: string): Promise<EvalRow[]> {
  if (!existsSync(path)) return [];
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  if (lines[0] !== EVAL_HEADERS.join(',')) throw new InvalidInputError(path, `line 1: expected the header ${EVAL_HEADERS.join(',')}, found ${JSON.stringify(lines[0] ?? '')}`);
  return lines.slice(1).map((l, i) => {
    const v = l.split(',').map(Number);
    if (v.length !== EVAL_HEADERS.length || v.some((x) => !Number.isFinite(x))) throw new InvalidInputError(path, `line ${i + 2}: expected ${EVAL_HEADERS.length} numbers, found ${JSON.stringify(l)}`);
    const [epoch, recognised, digits, entropy, fid, images] = v as [number, number, number, number, number, number];
    return { epoch, recognised, digits_present: digits, entropy_nats: entropy, classifier_fid: fid, images };
  });
}
