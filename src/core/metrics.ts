import { InternalError } from './errors.js';

/**
 * A small Prometheus registry writing the text exposition format (version 0.0.4): counters,
 * gauges and histograms with labels. One registry per server, no global state.
 */

/** Label names to values. */
export type Labels = Readonly<Record<string, string>>;

/** Content-Type of the exposition. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  lines(): string[];
}

function labelKey(labelNames: readonly string[], labels: Labels): string {
  return labelNames.map((n) => labels[n] ?? '').join('\u0000');
}

function formatLabels(labelNames: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = labelNames.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** A value per label set that only goes up. */
export class Counter implements Metric {
  readonly type = 'counter' as const;
  private readonly values = new Map<string, { labels: string[]; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[] = [],
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(this.labelNames, labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels: this.labelNames.map((n) => labels[n] ?? ''), value: by });
  }

  /** Current value for `labels` (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(this.labelNames, labels))?.value ?? 0;
  }

  lines(): string[] {
    // A counter without labels is exposed from the start (at 0), as Prometheus clients do.
    if (this.values.size === 0 && this.labelNames.length === 0) return [`${this.name} 0`];
    return [...this.values.values()].map((e) => `${this.name}${formatLabels(this.labelNames, e.labels)} ${formatValue(e.value)}`);
  }
}

/** A value that goes up and down, or one read at scrape time through `collect`. */
export class Gauge implements Metric {
  readonly type = 'gauge' as const;
  private value = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect?: () => number,
  ) {}

  set(v: number): void {
    this.value = v;
  }

  inc(by = 1): void {
    this.value += by;
  }

  dec(by = 1): void {
    this.value -= by;
  }

  get(): number {
    return this.collect ? this.collect() : this.value;
  }

  lines(): string[] {
    return [`${this.name} ${formatValue(this.get())}`];
  }
}

/** Observations counted into cumulative buckets, with their sum and count. */
export class Histogram implements Metric {
  readonly type = 'histogram' as const;
  private readonly series = new Map<string, { labels: string[]; counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    readonly labelNames: readonly string[] = [],
  ) {}

  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: this.labelNames.map((n) => labels[n] ?? ''), counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Count and sum of observations for `labels`. */
  get(labels: Labels = {}): { count: number; sum: number } {
    const s = this.series.get(labelKey(this.labelNames, labels));
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  lines(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${formatLabels(this.labelNames, s.labels, ['le', formatValue(b)])} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${formatLabels(this.labelNames, s.labels, ['le', '+Inf'])} ${s.count}`);
      out.push(`${this.name}_sum${formatLabels(this.labelNames, s.labels)} ${formatValue(s.sum)}`);
      out.push(`${this.name}_count${formatLabels(this.labelNames, s.labels)} ${s.count}`);
    }
    return out;
  }
}

/** Holds metrics and writes them out. */
export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  /** Register a metric; names must be unique. */
  register<M extends Metric>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new InternalError(`metric ${metric.name} is registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  /** The text exposition of every metric. */
  expose(): string {
    const out: string[] = [];
    for (const m of this.metrics) {
      out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      out.push(`# TYPE ${m.name} ${m.type}`);
      out.push(...m.lines());
    }
    return `${out.join('\n')}\n`;
  }
}
