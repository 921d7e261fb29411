// Recovers the source order of an object's keys from JSON text. JSON.parse builds plain
// objects, and a JS object lists array-index keys ("0", "42") first, in numeric order,
// whatever order the text had; storage promises insertion order, so the store-file codec
// asks this scanner when a box has such keys. Input must be text JSON.parse accepted.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function malformed(at: number): Error {
  return new Error(`json-key-order: unexpected end or character at offset ${at} (input should be valid JSON)`);
}

function skipWhitespace(text: string, at: number): number {
  while (at < text.length && isWhitespace(text.charCodeAt(at))) at += 1;
  return at;
}

/** `at` is on an opening quote; returns the offset just past the closing one. */
function skipString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) return i + 1;
    if (code === BACKSLASH) i += 1;
  }
  throw malformed(at);
}

/** `at` is on the first character of a value; returns the offset just past it. */
function skipValue(text: string, at: number): number {
  const first = text.charCodeAt(at);
  if (first === QUOTE) return skipString(text, at);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    let end = at;
    while (end < text.length) {
      const code = text.charCodeAt(end);
      if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isWhitespace(code)) break;
      end += 1;
    }
    return end;
  }
  let depth = 0;
  for (let i = at; i < text.length; ) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i = skipString(text, i);
      continue;
    }
    if (code === OPEN_BRACE || code === OPEN_BRACKET) depth += 1;
    if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth -= 1;
    i += 1;
    if (depth === 0) return i;
  }
  throw malformed(at);
}

interface Member {
  readonly key: string;
  /** Offset of the member's value. */
  readonly valueAt: number;
}

/** `at` is on '{'; the object's members in source order (duplicates included, as written). */
function objectMembers(text: string, at: number): Member[] {
  const members: Member[] = [];
  let i = skipWhitespace(text, at + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return members;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) throw malformed(i);
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const valueAt = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1); // past ':'
    members.push({ key, valueAt });
    i = skipWhitespace(text, skipValue(text, valueAt));
    if (text.charCodeAt(i) === CLOSE_BRACE) return members;
    if (text.charCodeAt(i) !== COMMA) throw malformed(i);
    i = skipWhitespace(text, i + 1);
  }
}

/**
 * Keys of the object reached from the root by following `path` (member names), in the
 * order they first appear in the text, each once; null when that is not an object.
 * Like JSON.parse, a repeated member counts from its first appearance and the last one wins
 * when following the path.
 */
export function keysInSourceOrder(text: string, path: readonly string[]): string[] | null {
  let at = skipWhitespace(text, 0);
  for (const name of path) {
    if (text.charCodeAt(at) !== OPEN_BRACE) return null;
    const found = objectMembers(text, at).filter((member) => member.key === name).at(-1);
    if (found === undefined) return null;
    at = found.valueAt;
  }
  if (text.charCodeAt(at) !== OPEN_BRACE) return null;
  return [...new Set(objectMembers(text, at).map((member) => member.key))];
}

/** True for keys a JS object would list before all others (canonical integers below 2^32 - 1). */
export function isArrayIndexKey(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4_294_967_295;
}
