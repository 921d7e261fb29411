// The HTTP mock's metrics and their Prometheus text exposition (format 0.0.4): counters with
// labels, histograms with fixed buckets, and gauges read at scrape time. Small on purpose: the
// mock needs a dozen series, not a client library.

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
}

/** Seconds; from a fast local write to a stalled disk. */
export const SECONDS_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface HistogramState {
  readonly labels: Labels;
  readonly bucketCounts: number[];
  sum: number;
  count: number;
}

/** A label value escaped per the exposition format (backslash, double quote, newline). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels, extra?: readonly [string, string]): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  if (extra !== undefined) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function numberText(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

export class Metrics {
  readonly #families = new Map<string, Family>();
  readonly #counters = new Map<string, Map<string, { labels: Labels; value: number }>>();
  readonly #histograms = new Map<string, Map<string, HistogramState>>();
  readonly #gauges = new Map<string, () => readonly { labels: Labels; value: number }[]>();

  counter(name: string, help: string): void {
    this.#families.set(name, { help, type: 'counter' });
    this.#counters.set(name, new Map());
  }

  histogram(name: string, help: string): void {
    this.#families.set(name, { help, type: 'histogram' });
    this.#histograms.set(name, new Map());
  }

  /** A gauge whose samples are read when scraped. */
  gauge(name: string, help: string, read: () => readonly { labels: Labels; value: number }[]): void {
    this.#families.set(name, { help, type: 'gauge' });
    this.#gauges.set(name, read);
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const series = this.#counters.get(name);
    if (series === undefined) throw new Error(`assertion failed: counter ${name} is not registered`);
    const key = labelText(labels);
    const sample = series.get(key);
    if (sample === undefined) series.set(key, { labels, value: by });
    else sample.value += by;
  }

  observe(name: string, seconds: number, labels: Labels = {}): void {
    const series = this.#histograms.get(name);
    if (series === undefined) throw new Error(`assertion failed: histogram ${name} is not registered`);
    const key = labelText(labels);
    let state = series.get(key);
    if (state === undefined) {
      state = { labels, bucketCounts: SECONDS_BUCKETS.map(() => 0), sum: 0, count: 0 };
      series.set(key, state);
    }
    SECONDS_BUCKETS.forEach((bound, index) => {
      if (seconds <= bound) (state.bucketCounts[index] as number) += 1;
    });
    state.sum += seconds;
    state.count += 1;
  }

  /** Current value of a counter series (tests, admin). */
  value(name: string, labels: Labels = {}): number {
    return this.#counters.get(name)?.get(labelText(labels))?.value ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, family] of this.#families) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      if (family.type === 'counter') this.#renderCounter(name, lines);
      else if (family.type === 'histogram') this.#renderHistogram(name, lines);
      else for (const sample of this.#gauges.get(name)?.() ?? []) lines.push(`${name}${labelText(sample.labels)} ${numberText(sample.value)}`);
    }
    return `${lines.join('\n')}\n`;
  }

  #renderCounter(name: string, lines: string[]): void {
    const series = this.#counters.get(name) as Map<string, { labels: Labels; value: number }>;
    // An unlabelled counter shows 0 before its first event, so dashboards see it exists.
    if (series.size === 0) lines.push(`${name} 0`);
    for (const [key, sample] of series) lines.push(`${name}${key} ${numberText(sample.value)}`);
  }

  #renderHistogram(name: string, lines: string[]): void {
    const series = this.#histograms.get(name) as Map<string, HistogramState>;
    const states = series.size === 0 ? [{ labels: {}, bucketCounts: SECONDS_BUCKETS.map(() => 0), sum: 0, count: 0 }] : [...series.values()];
    for (const state of states) {
      SECONDS_BUCKETS.forEach((bound, index) => lines.push(`${name}_bucket${labelText(state.labels, ['le', String(bound)])} ${state.bucketCounts[index]}`));
      lines.push(`${name}_bucket${labelText(state.labels, ['le', '+Inf'])} ${state.count}`);
      lines.push(`${name}_sum${labelText(state.labels)} ${numberText(state.sum)}`);
      lines.push(`${name}_count${labelText(state.labels)} ${state.count}`);
    }
  }
}
