import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';

// cli-progress is loaded when a bar is drawn on a terminal, not when a command starts
const requireCjs = createRequire(import.meta.url);

/** Where long-running work reports how far it got. */
export interface ProgressSink {
  /** Work of `total` units begins. */
  start(total: number): void;
  /** `n` more units are done. @default 1 */
  tick(n?: number): void;
  /** The work is over (also after a failure). */
  stop(): void;
}

/** A sink that reports nothing. */
export const silentProgress: ProgressSink = { start() {}, tick() {}, stop() {} };

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  /** Shown before the numbers, e.g. `celeba`. */
  readonly label: string;
  /** Name of one unit in the rate. @default 'img' */
  readonly unit?: string;
  /** @default process.stderr */
  readonly stream?: NodeJS.WriteStream;
  /** Between two lines when the stream is not a terminal. @default 10000 ms */
  readonly intervalMs?: number;
}

/**
 * A progress display with the rate and ETA: a redrawn bar when `stream` is a terminal,
 * otherwise one plain line every `intervalMs` (logs stay readable) and one at the end.
 */
export function createProgressBar(options: ProgressBarOptions): ProgressSink {
  const stream = options.stream ?? process.stderr;
  const unit = options.unit ?? 'img';
  const intervalMs = options.intervalMs ?? 10_000;
  let total = 0;
  let value = 0;
  let startedAt = 0;
  let lastLine = 0;
  let bar: cliProgress.SingleBar | undefined;

  const stats = (): { rate: string; eta: string } => {
    const seconds = (performance.now() - startedAt) / 1000;
    const rate = seconds > 0 ? value / seconds : 0;
    return { rate: rate.toFixed(rate < 10 ? 1 : 0), eta: rate > 0 ? formatDuration((total - value) / rate) : '--' };
  };
  const line = (): string => {
    const { rate, eta } = stats();
    const pct = total > 0 ? Math.floor((value / total) * 100) : 100;
    return `${options.label}: ${value}/${total} (${pct}%), ${rate} ${unit}/s, ETA ${eta}\n`;
  };

  return {
    start(n) {
      total = n;
      value = 0;
      startedAt = performance.now();
      lastLine = startedAt;
      if (stream.isTTY) {
        const { SingleBar, Presets } = requireCjs('cli-progress') as typeof cliProgress;
        bar = new SingleBar(
          {
            stream,
            format: `${options.label} |{bar}| {percentage}% {value}/{total} | {rate} ${unit}/s | ETA {etaText}`,
            hideCursor: false,
            clearOnComplete: false,
          },
          Presets.shades_classic,
        );
        bar.start(total, 0, { rate: '0', etaText: '--' });
      }
    },
    tick(n = 1) {
      value += n;
      if (bar) {
        const { rate, eta } = stats();
        bar.update(value, { rate, etaText: eta });
      } else {
        const now = performance.now();
        if (now - lastLine >= intervalMs) {
          lastLine = now;
          stream.write(line());
        }
      }
    },
    stop() {
      if (bar) {
        bar.stop();
        bar = undefined;
      } else if (total > 0) {
        stream.write(line());
      }
    },
  };
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** `812 B`, `45.3 kB`, `1.20 GB` (SI units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}
