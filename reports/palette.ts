// Colours of the report: one per fault kind (grouped by family: network blues and teals,
// server reds and oranges, client purples, clock greens) and the timeline's op marks.

const FAULT_COLORS: Readonly<Record<string, string>> = {
  partition: '#1d4ed8',
  'partition-request': '#3b82f6',
  'partition-response': '#60a5fa',
  loss: '#0891b2',
  duplicate: '#06b6d4',
  reorder: '#0d9488',
  latency: '#14b8a6',
  offline: '#64748b',
  'server-5xx': '#dc2626',
  'server-429': '#ea580c',
  'server-413': '#f97316',
  'token-expiry': '#ca8a04',
  'commit-then-fail': '#be123c',
  'server-slow': '#f59e0b',
  'server-crash': '#7f1d1d',
  'server-rollback': '#9f1239',
  'server-failover': '#c2410c',
  'permanent-error': '#a21caf',
  'item-busy': '#db2777',
  'client-crash': '#7c3aed',
  'storage-quota': '#a855f7',
  'second-tab': '#c084fc',
  'clock-step': '#16a34a',
  'clock-drift': '#65a30d',
};

/** Any kind not listed above (a kind added later) is grey until it gets a colour. */
const FAULT_COLOR_UNKNOWN = '#6b7280';

export function faultColor(kind: string): string {
  return FAULT_COLORS[kind] ?? FAULT_COLOR_UNKNOWN;
}

/** `#rrggbb` with an alpha, as `rgba(r, g, b, a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export const OP_COLORS = {
  write: '#2563eb',
  read: '#9ca3af',
  fail: '#f59e0b',
  info: '#dc2626',
} as const;

export const CRASH_COLOR = '#1f2937';
/** A counterexample's violating ops and the messages that carried them. */
export const VIOLATION_COLOR = '#dc2626';
export const HEAL_COLOR = '#059669';
