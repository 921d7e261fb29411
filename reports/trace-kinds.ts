// The record kinds a trace can select (HistoryEvent['type']): apart from trace-text.ts so the
// CLI can check --kinds without loading the simulator (scripts/commands/index.ts).

import type { HistoryEvent } from '../sim/history.ts';

export const TRACE_KINDS = ['invoke', 'complete', 'engine', 'message', 'apply', 'fault', 'crash', 'restart', 'migrate', 'server', 'phase'] as const satisfies readonly HistoryEvent['type'][];
export type TraceKind = (typeof TRACE_KINDS)[number];
