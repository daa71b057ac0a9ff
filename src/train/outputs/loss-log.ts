import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { format, parseString } from 'fast-csv';

/** One row of the loss CSV, in the reference's column names. */
export interface LossRow {
  readonly epoch: number;
  readonly Real_P: number;
  readonly Fake_P: number;
  readonly Gen_loss: number;
  readonly Dis_loss: number;
}

/** The reference's header: `epoch,Real_P,Fake_P,Gen_loss,Dis_loss`. */
export const LOSS_HEADERS = ['epoch', 'Real_P', 'Fake_P', 'Gen_loss', 'Dis_loss'] as const;

/** Read the rows of an existing loss CSV (none when the file does not exist). */
export async function readLossCsv(path: string): Promise<LossRow[]> {
  if (!existsSync(path)) return [];
  const text = await readFile(path, 'utf8');
  return new Promise((resolve, reject) => {
    const rows: LossRow[] = [];
    parseString<Record<string, string>, LossRow>(text, { headers: true })
      .transform((r: Record<string, string>) => ({
        epoch: Number(r.epoch),
        Real_P: Number(r.Real_P),
        Fake_P: Number(r.Fake_P),
        Gen_loss: Number(r.Gen_loss),
        Dis_loss: Number(r.Dis_loss),
      }))
      .on('error', reject)
      .on('data', (row: LossRow) => rows.push(row))
      .on('end', () => resolve(rows));
  });
}

/** Write all rows with fast-csv, atomically (temporary file, then rename). */
export async function writeLossCsv(path: string, rows: readonly LossRow[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const text = await new Promise<string>((resolve, reject) => {
    let out = '';
    const stream = format<LossRow, LossRow>({ headers: [...LOSS_HEADERS], includeEndRowDelimiter: true });
    stream.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
    for (const r of rows) stream.write(r);
    stream.end();
  });
  // with no rows fast-csv writes nothing: keep the header so the file is always a valid CSV
  const tmp = `${path}.partial`;
  await writeFile(tmp, rows.length === 0 ? `${LOSS_HEADERS.join(',')}\n` : text);
  await rename(tmp, path);
}
