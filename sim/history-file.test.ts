// The history file: a run's history written as JSON lines reads back record for record, with
// its final states; a file that is not one (truncated, another format or version, a bad line)
// is refused naming the file, the line and what is wrong.

import { describe, expect, it } from 'vitest';
import { buildSimConfig } from './config.ts';
import { forEachRecord, type History, type HistoryEvent } from './history.ts';
import { HistoryFileError, parseHistoryFile, renderHistoryFile, startsLikeHistoryFile } from './history-file.ts';
import { runSimulation } from './runner.ts';
import { SWARM_FAULT_KINDS } from './types.ts';

const recordsOf = (history: History): HistoryEvent[] => {
  const records: HistoryEvent[] = [];
  forEachRecord(history, (r) => void records.push(r));
  return records;
};

describe('history file', () => {
  // Every fault kind allowed: crashes, tabs, clock steps and server actions all go through the file.
  const run = runSimulation({ config: buildSimConfig({ seed: 21, clients: 12, durationMs: 300_000, faults: { swarm: false, kinds: [...SWARM_FAULT_KINDS], faultsPerHour: 240 } }) });
  const lines = renderHistoryFile(run.history);

  it('reads back every record in order, and the final states, end times and trace hash', () => {
    expect(startsLikeHistoryFile(lines[0]!)).toBe(true);
    expect(lines).toHaveLength(1 + recordsOf(run.history).length);
    const back = parseHistoryFile(lines.join(''), 'run.jsonl');
    expect(recordsOf(back)).toEqual(recordsOf(run.history));
    expect({ ...back, events: null, messages: null }).toEqual({ ...run.history, events: null, messages: null });
    expect(new Set(recordsOf(back).map((r) => r.type))).toEqual(new Set(['phase', 'invoke', 'complete', 'engine', 'message', 'apply', 'fault', 'crash', 'restart', 'server']));
  });

  it('refuses what is not a whole history file, naming the file, the line and the fault', () => {
    const text = lines.join('');
    const refuse = (content: string): string => {
      try {
        parseHistoryFile(content, 'h.jsonl');
      } catch (error) {
        expect(error).toBeInstanceOf(HistoryFileError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refuse('')).toBe('h.jsonl is empty: a history file starts with its header line');
    expect(refuse(lines.slice(0, -3).join(''))).toBe(`h.jsonl should hold ${lines.length - 1} records after its header, got ${lines.length - 4} (a truncated file?)`);
    expect(refuse('{"format":"syncstorm-run"}\n')).toMatch(/^h\.jsonl:1 should be a history header with format "syncstorm-history", got \{"format":"syncstorm-run"\}$/);
    expect(refuse(text.replace('"version":1', '"version":9'))).toBe('h.jsonl:1 version should be 1, got 9');
    expect(refuse([lines[0], '{not json\n', ...lines.slice(2)].join(''))).toMatch(/^h\.jsonl:2 is not JSON: /);
    expect(refuse([lines[0], '[1,2]\n', ...lines.slice(2)].join(''))).toBe('h.jsonl:2 should be a history record with t and type, got [1,2]');
    expect(startsLikeHistoryFile('{"format":"syncstorm-run","version":1}')).toBe(false);
  });
});
