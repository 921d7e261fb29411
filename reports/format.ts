// Number and text formatting shared by the HTML report: durations, counts, bytes, rates,
// and HTML / inline-JSON escaping. Pure; no locale dependence, so a report is reproducible.

/** `450 ms`, `12.3 s`, `4.5 min`, `2.0 h` for a duration in ms. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${round(ms, abs < 10 ? 1 : 0)} ms`;
  if (abs < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (abs < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A compact duration for axis and bucket labels: `0`, `500ms`, `2s`, `5min`, `2h`. */
export function formatMsShort(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${round(ms / 1000, 1)}s`;
  if (ms < 3_600_000) return `${round(ms / 60_000, 1)}min`;
  if (ms < 86_400_000 || ms % 86_400_000 !== 0) return `${round(ms / 3_600_000, 1)}h`;
  return `${ms / 86_400_000}d`;
}

/** An axis label for a time since the start on round units: `0`, `30s`, `15min`, `1h`, `1h15`, `2d`. */
export function formatClockShort(ms: number): string {
  if (ms < 3_600_000) return formatMsShort(ms);
  const totalMin = Math.round(ms / 60_000);
  const hours = Math.floor(totalMin / 60);
  const minutes = totalMin % 60;
  return minutes === 0 ? `${hours}h` : `${hours}h${String(minutes).padStart(2, '0')}`;
}

/** A clock reading for axis ticks deep into a run: `9:10`, `1:02:30`, with `.250` when the step is under a second. */
export function formatClockTick(ms: number, stepMs: number): string {
  const whole = Math.floor(ms / 1000);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const base = h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
  return stepMs < 1000 ? `${base}.${String(Math.round(ms) % 1000).padStart(3, '0')}` : base;
}

/** Thousands separated by a thin space: `1 234 567`. */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${round(bytes, bytes < 10 ? 1 : 0)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** A ratio with 2 decimals, or — when it is undefined (null). */
export function formatRatio(value: number | null, digits = 2): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

export function formatPercent(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(1)} %`;
}

function round(value: number, digits: number): string {
  const fixed = value.toFixed(digits);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON safe inside a <script> element: `<` becomes \u003c so no `</script>` or `<!--` can
 * end or confuse the element; U+2028/2029 are escaped for older JavaScript parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Axis steps on round clock units, smallest first. */
const TIME_STEPS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  1000, 2000, 5000, 10_000, 15_000, 30_000,
  60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

/** The smallest round time step (1 s, 2 s, 5 s, …, 15 min, 30 min, 1 h, …) that gives at most ticksMax ticks over spanMs. */
export function niceTimeStepMs(spanMs: number, ticksMax: number): number {
  for (const step of TIME_STEPS_MS) if (spanMs / step <= ticksMax) return step;
  const day = TIME_STEPS_MS[TIME_STEPS_MS.length - 1]!;
  return day * Math.ceil(spanMs / day / ticksMax);
}

/**
 * JSON.stringify(value, null, 2), but arrays of primitives are packed onto lines of at most
 * widthMax characters instead of one element per line (a config's kind lists stay short).
 */
export function prettyJson(value: unknown, widthMax = 100): string {
  return pretty(value, '', widthMax);
}

function pretty(value: unknown, indent: string, widthMax: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) return packed(value.map((v) => JSON.stringify(v) ?? 'null'), indent, widthMax);
    return `[\n${value.map((v) => inner + pretty(v, inner, widthMax)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner, widthMax)}`).join(',\n')}\n${indent}}`;
}

function packed(items: readonly string[], indent: string, widthMax: number): string {
  const oneLine = `[${items.join(', ')}]`;
  if (indent.length + oneLine.length <= widthMax) return oneLine;
  const inner = indent + '  ';
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line === '' ? item : `${line}, ${item}`;
    if (inner.length + next.length + 1 > widthMax && line !== '') {
      lines.push(line + ',');
      line = item;
    } else line = next;
  }
  lines.push(line);
  return `[\n${lines.map((l) => inner + l).join('\n')}\n${indent}]`;
}
