// A small reader of V8 .cpuprofile files (what `node --cpu-prof` writes): self time per
// function, the top N as rows, and a plain-text table. Pure: JSON text in, rows out.
// Self time of a sample is the gap to the next sample (as Chrome DevTools counts it); the
// last sample gets the mean gap. Nodes of one function (same name, file, line) are summed.

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  /** 0-based, -1 when unknown. */
  readonly lineNumber: number;
}

export interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  /** Microseconds. */
  readonly startTime: number;
  readonly endTime: number;
  /** Node id of each sample. */
  readonly samples: readonly number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  readonly timeDeltas: readonly number[];
}

export interface SelfTimeRow {
  readonly functionName: string;
  /** File path (relative to the root given, when under it) and 1-based line, or a V8 pseudo-node like (garbage collector). */
  readonly location: string;
  readonly selfMs: number;
  /** Share of all sampled time, 0–100. */
  readonly percent: number;
}

function fail(field: string, value: unknown): never {
  throw new Error(`cpuprofile: ${field} should be ${typeof value === 'undefined' ? 'present' : 'of the documented shape'}, got ${JSON.stringify(value)?.slice(0, 80)}`);
}

export function parseCpuProfile(text: string): CpuProfile {
  const raw = JSON.parse(text) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null) fail('the file', raw);
  const { nodes, samples, timeDeltas, startTime, endTime } = raw;
  if (!Array.isArray(nodes)) fail('nodes', nodes);
  if (!Array.isArray(samples)) fail('samples', samples);
  if (!Array.isArray(timeDeltas) || timeDeltas.length !== samples.length) fail('timeDeltas (one per sample)', timeDeltas === undefined ? undefined : `${(timeDeltas as unknown[]).length} for ${samples.length} samples`);
  if (typeof startTime !== 'number') fail('startTime', startTime);
  if (typeof endTime !== 'number') fail('endTime', endTime);
  for (const node of nodes as unknown[]) {
    const n = node as { id?: unknown; callFrame?: { functionName?: unknown; url?: unknown; lineNumber?: unknown } };
    if (typeof n.id !== 'number' || typeof n.callFrame?.functionName !== 'string' || typeof n.callFrame.url !== 'string' || typeof n.callFrame.lineNumber !== 'number') fail('every node', node);
  }
  return { nodes: nodes as ProfileNode[], samples: samples as number[], timeDeltas: timeDeltas as number[], startTime, endTime };
}

/** Sampled time in ms that is not (idle). */
export function busyMs(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  let us = 0;
  const gaps = sampleGapsUs(profile);
  profile.samples.forEach((id, i) => {
    if (!idle.has(id)) us += gaps[i]!;
  });
  return us / 1000;
}

function sampleGapsUs(profile: CpuProfile): number[] {
  const { timeDeltas } = profile;
  const n = timeDeltas.length;
  const total = timeDeltas.reduce((sum, d) => sum + d, 0);
  const meanUs = n > 1 ? (total - timeDeltas[0]!) / (n - 1) : 0;
  return timeDeltas.map((_, i) => (i + 1 < n ? Math.max(0, timeDeltas[i + 1]!) : meanUs));
}

function locationOf(frame: CallFrame, root: string): string {
  if (frame.url === '') return frame.functionName.startsWith('(') ? '' : '(native)';
  let path = frame.url.startsWith('file://') ? decodeURIComponent(frame.url.slice('file://'.length)) : frame.url;
  if (root !== '' && path.startsWith(root)) path = path.slice(root.length).replace(/^\//, '');
  return frame.lineNumber >= 0 ? `${path}:${frame.lineNumber + 1}` : path;
}

/** Self time per function, highest first, (idle) left out; percent of the non-idle sampled time. */
export function selfTimes(profile: CpuProfile, root = ''): SelfTimeRow[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const gaps = sampleGapsUs(profile);
  const usByKey = new Map<string, { functionName: string; location: string; us: number }>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (node === undefined) throw new Error(`cpuprofile: sample ${i} names node ${id}, which is not in nodes`);
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') return;
    const functionName = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const location = locationOf(frame, root);
    const key = `${functionName}\u0000${location}`;
    const entry = usByKey.get(key) ?? { functionName, location, us: 0 };
    entry.us += gaps[i]!;
    usByKey.set(key, entry);
  });
  const busyUs = [...usByKey.values()].reduce((sum, e) => sum + e.us, 0);
  return [...usByKey.values()]
    .sort((a, b) => b.us - a.us || a.functionName.localeCompare(b.functionName))
    .map((e) => ({ functionName: e.functionName, location: e.location, selfMs: e.us / 1000, percent: busyUs > 0 ? (100 * e.us) / busyUs : 0 }));
}

export function formatSelfTimes(rows: readonly SelfTimeRow[]): string {
  const cells = [['#', 'function', 'file:line', 'self ms', '%'], ...rows.map((r, i) => [String(i + 1), r.functionName, r.location, r.selfMs.toFixed(0), r.percent.toFixed(1)])];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((line) => line[c]!.length)));
  const numeric = new Set([0, 3, 4]);
  return cells.map((line) => line.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

/**
 * The 1-based line where `name` is defined in TypeScript `source`, or null. For files whose
 * profile positions are useless: tsx hands V8 its transpiled code on one line, so every
 * function of it reports line 1. First match of a function, method, accessor or arrow const.
 */
export function findDefinitionLine(source: string, name: string): number | null {
  if (name === '' || name.startsWith('(')) return null;
  const id = name.replace(/[$.*+?^(){}|[\]\\]/g, '\\$&');
  const modifiers = '(?:(?:export|default|async|static|public|private|protected|readonly|override|get|set)\\s+)*';
  const patterns = [
    new RegExp(`\\bfunction\\*?\\s+${id}\\s*[(<]`),
    new RegExp(`^\\s*${modifiers}${id}\\s*[(<]`),
    new RegExp(`\\b(?:const|let|var)\\s+${id}\\s*(?::[^=]+)?=`),
    new RegExp(`^\\s*${modifiers}${id}\\s*(?::[^=]+)?=\\s*(?:async\\s*)?(?:\\(|function)`),
  ];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) if (patterns.some((p) => p.test(lines[i]!))) return i + 1;
  return null;
}

/** Rows whose location ends in ':1' get the line `lineOf(path, functionName)` finds, when it finds one. */
export function withSourceLines(rows: readonly SelfTimeRow[], lineOf: (path: string, functionName: string) => number | null): SelfTimeRow[] {
  return rows.map((row) => {
    const match = /^(.*\.[cm]?tsx?):1$/.exec(row.location);
    if (match === null) return row;
    const line = lineOf(match[1]!, row.functionName);
    return line === null ? row : { ...row, location: `${match[1]}:${line}` };
  });
}
