// The server's lowdb file, format `syncstorm-server-state` version 1: exactly the ServerStateJson
// of server-mock/core/json.ts, written one token and one log entry per line so the file is
// readable and diffable:
//   { "format": "syncstorm-server-state", "version": 1, "epoch": "…", "seq": N, "tokenCount": N,
//     "tokens": [ {token, user, expiresAt}, … ],
//     "users": [ { "user": "alice", "log": [ {seq, serverTime, change}, … ] }, … ] }
// This file is the snapshot; changes since it live in the journal next to it (journal.ts), and
// the stored state is both (read it with readStoredStateSync, server-state-file.ts). Log entries
// are immutable once stored, so each one's JSON text is cached and shared by journal records and
// snapshots: rewriting a snapshot is string joining, not a re-serialisation of the history.

import { serverStateFromJSON, type LogEntry, type ServerState } from '../core/index.ts';

export const SERVER_FILE_FORMAT = 'syncstorm-server-state';
export const SERVER_FILE_VERSION = 1;

/** JSON text of log entries already written once; entries are never mutated, so it never goes stale. */
export type EntryTextCache = WeakMap<LogEntry, string>;

export function entryText(entry: LogEntry, cache: EntryTextCache): string {
  let text = cache.get(entry);
  if (text === undefined) {
    text = JSON.stringify(entry);
    cache.set(entry, text);
  }
  return text;
}

export function encodeServerFile(state: ServerState, cache: EntryTextCache): string {
  const parts: string[] = [
    '{\n',
    `  "format": ${JSON.stringify(SERVER_FILE_FORMAT)},\n`,
    `  "version": ${SERVER_FILE_VERSION},\n`,
    `  "epoch": ${JSON.stringify(state.epoch)},\n`,
    `  "seq": ${state.seq},\n`,
    `  "tokenCount": ${state.tokenCount},\n`,
    '  "tokens": [',
  ];
  let first = true;
  for (const [token, { user, expiresAt }] of state.tokens) {
    parts.push(`${first ? '\n' : ',\n'}    ${JSON.stringify({ token, user, expiresAt })}`);
    first = false;
  }
  parts.push(first ? '],\n' : '\n  ],\n', '  "users": [');
  first = true;
  for (const [user, space] of state.users) {
    parts.push(`${first ? '\n' : ',\n'}    { "user": ${JSON.stringify(user)}, "log": [`);
    space.log.forEach((entry, index) => parts.push(`${index === 0 ? '\n' : ',\n'}      ${entryText(entry, cache)}`));
    parts.push(space.log.length === 0 ? '] }' : '\n    ] }');
    first = false;
  }
  parts.push(first ? ']\n}\n' : '\n  ]\n}\n');
  return parts.join('');
}

/** The file's JSON, unchecked; throws naming `path` when it does not parse. */
export function parseServerFileJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`server state file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Parses and checks the file text; every fault throws an Error naming `path` and the bad field. */
export function decodeServerFile(text: string, path: string): ServerState {
  const json = parseServerFileJson(text, path);
  try {
    return serverStateFromJSON(json);
  } catch (error) {
    throw new Error(`server state file ${path} is corrupt: ${error instanceof Error ? error.message : String(error)}`);
  }
}
