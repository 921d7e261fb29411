// The lowdb store file, format version 1, and its codec:
//   { "format": "syncstorm-store", "version": 1,
//     "encryption": { "algorithm": "aes-256-gcm", "keyCheck": "gcm1:…" },   (encrypted stores only)
//     "boxes": { "entities": { key: value, … }, "sync_queue": {…}, "metadata": {…},
//                "conflicts": {…}, "dead_letter": {…} } }
// Decoding checks everything on the way out (STYLE §3) and names the file and the fault.
// Entries are held as JSON text: writing the whole file is then string joining, not a
// re-serialisation of every record, and a value reads back the same before and after a restart.

import { BOX_NAMES, type BoxName } from '../model.ts';
import { StorageError } from '../ports.ts';
import { ENCRYPTION_ALGORITHM, type EncryptionHeader } from './encryption.ts';
import { isArrayIndexKey, keysInSourceOrder } from './json-key-order.ts';
import { isBoxName } from './write-ops.ts';

export const STORE_FORMAT = 'syncstorm-store';
export const STORE_VERSION = 1;

/** Each box's entries as key → JSON text of the value, in insertion order. */
export type EncodedBoxes = { readonly [B in BoxName]: ReadonlyMap<string, string> };

export function emptyEncodedBoxes(): EncodedBoxes {
  return { entities: new Map(), sync_queue: new Map(), metadata: new Map(), conflicts: new Map(), dead_letter: new Map() };
}

/** The file text: one entry per line (readable and diffable), entries in insertion order. */
export function encodeStoreFile(boxes: EncodedBoxes, encryption: EncryptionHeader | null = null): string {
  const header = encryption === null ? '' : `  "encryption": ${JSON.stringify({ algorithm: encryption.algorithm, keyCheck: encryption.keyCheck })},\n`;
  const parts: string[] = [`{\n  "format": ${JSON.stringify(STORE_FORMAT)},\n  "version": ${STORE_VERSION},\n${header}  "boxes": {\n`];
  BOX_NAMES.forEach((box, boxIndex) => {
    const entries = boxes[box];
    parts.push(`    ${JSON.stringify(box)}: {`);
    let first = true;
    for (const [key, json] of entries) {
      parts.push(`${first ? '\n' : ',\n'}      ${JSON.stringify(key)}: ${json}`);
      first = false;
    }
    parts.push(`${entries.size > 0 ? '\n    ' : ''}}${boxIndex < BOX_NAMES.length - 1 ? ',' : ''}\n`);
  });
  parts.push('  }\n}\n');
  return parts.join('');
}

function corrupt(path: string, what: string): StorageError {
  return new StorageError('corrupt', `storage file ${path} is corrupt: ${what}`);
}

/** A short description of an unexpected value for an error message. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface DecodedStoreFile {
  readonly boxes: EncodedBoxes;
  /** Null for a plaintext store. */
  readonly encryption: EncryptionHeader | null;
}

/** Parses and checks the file text; every fault is StorageError('corrupt') naming `path`. */
export function decodeStoreFile(text: string, path: string): DecodedStoreFile {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isPlainObject(root)) throw corrupt(path, `the top level should be an object, got ${describeValue(root)}`);
  for (const field of Object.keys(root)) {
    if (field !== 'format' && field !== 'version' && field !== 'boxes' && field !== 'encryption') throw corrupt(path, `unexpected top-level field ${JSON.stringify(field)}`);
  }
  if (root.format !== STORE_FORMAT) {
    throw corrupt(path, `"format" should be ${JSON.stringify(STORE_FORMAT)}, got ${describeValue(root.format)}`);
  }
  if (root.version !== STORE_VERSION) {
    throw corrupt(path, `unsupported "version" ${describeValue(root.version)} (this build reads version ${STORE_VERSION})`);
  }
  const boxes = root.boxes;
  if (!isPlainObject(boxes)) throw corrupt(path, `"boxes" should be an object, got ${describeValue(boxes)}`);
  for (const name of Object.keys(boxes)) {
    if (!isBoxName(name)) throw corrupt(path, `unknown box ${JSON.stringify(name)} in "boxes"`);
  }
  const decoded = emptyEncodedBoxes() as { [B in BoxName]: Map<string, string> };
  for (const box of BOX_NAMES) decoded[box] = decodeBox(text, path, box, boxes[box]);
  return { boxes: decoded, encryption: root.encryption === undefined ? null : decodeEncryption(path, root.encryption) };
}

function decodeEncryption(path: string, value: unknown): EncryptionHeader {
  if (!isPlainObject(value)) throw corrupt(path, `"encryption" should be an object, got ${describeValue(value)}`);
  if (value.algorithm !== ENCRYPTION_ALGORITHM) {
    throw corrupt(path, `encryption.algorithm should be ${JSON.stringify(ENCRYPTION_ALGORITHM)}, got ${describeValue(value.algorithm)}`);
  }
  if (typeof value.keyCheck !== 'string') throw corrupt(path, `encryption.keyCheck should be a string, got ${describeValue(value.keyCheck)}`);
  for (const field of Object.keys(value)) {
    if (field !== 'algorithm' && field !== 'keyCheck') throw corrupt(path, `unexpected field ${JSON.stringify(field)} in "encryption"`);
  }
  return { algorithm: ENCRYPTION_ALGORITHM, keyCheck: value.keyCheck };
}

function decodeBox(text: string, path: string, box: BoxName, entries: unknown): Map<string, string> {
  if (!isPlainObject(entries)) throw corrupt(path, `boxes.${box} should be an object, got ${describeValue(entries)}`);
  let keys = Object.keys(entries);
  if (keys.some(isArrayIndexKey)) {
    // The object reordered integer-like keys; the text still has the insertion order.
    keys = keysInSourceOrder(text, ['boxes', box]) ?? keys;
  }
  const decoded = new Map<string, string>();
  for (const key of keys) {
    if (key.length === 0) throw corrupt(path, `boxes.${box} has an empty key`);
    decoded.set(key, JSON.stringify(entries[key]));
  }
  return decoded;
}
