import { formatBytes } from '../core/progress.js';
import type { SkippedInput } from '../shards/manifest.js';
import type { ShardSetReport } from './shard-set-builder.js';

/** Skipped inputs listed one per line in a summary; the rest are counted (the manifest has them all). */
const MAX_LISTED = 100;

/** A plain-text summary of a conversion: one line per partition, then every skip with its reason. */
export function formatSummary(report: ShardSetReport, title: string): string {
  const lines: string[] = [`${title} → ${report.dir}`];
  const width = Math.max(...report.partitions.map((p) => p.name.length));
  for (const p of report.partitions) {
    const shards = `${p.shards.length} shard${p.shards.length === 1 ? '' : 's'}`;
    const skipped = p.skipped.length > 0 ? `, ${p.skipped.length} skipped` : '';
    lines.push(`  ${`${p.name}:`.padEnd(width + 1)} ${p.records} records in ${shards}, ${formatBytes(p.bytes)}${skipped}`);
  }
  const reused = report.partitions.reduce((n, p) => n + p.reused, 0);
  if (reused > 0) {
    const total = report.partitions.reduce((n, p) => n + p.shards.length, 0);
    lines.push(`  resumed: ${reused} of ${total} shards were complete from an earlier run and kept`);
  }
  lines.push(...formatSkipped(report.partitions.flatMap((p) => p.skipped)));
  return `${lines.join('\n')}\n`;
}

/** Lines listing skipped inputs by reason kind and one by one. */
export function formatSkipped(skipped: readonly SkippedInput[]): string[] {
  if (skipped.length === 0) return [];
  const kinds = new Map<string, number>();
  for (const s of skipped) {
    const kind = s.reason.split(':')[0]!;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const lines = [`skipped ${skipped.length} input${skipped.length === 1 ? '' : 's'}: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}`];
  for (const s of skipped.slice(0, MAX_LISTED)) lines.push(`  ${s.partition ?? ''} ${s.input}: ${s.reason}`);
  if (skipped.length > MAX_LISTED) lines.push(`  … and ${skipped.length - MAX_LISTED} more (manifest.json lists them all)`);
  return lines;
}
