// The events of a History (every record but messages), kept in columns. A 1,000-client hour
// records about 0.6 M of them and every one lives to the end of the run: as objects (a record
// and its engine event, ~170 bytes) they were most of what the garbage collector copied out of
// the young generation and then marked again and again, and most of a 10,000-client run's heap.
// Here an event is a row of 32-bit words in Int32Array chunks the collector never scans:
// numbers as they are when they are small integers (times in ms, indices, counts, revisions:
// nearly all of them), repeated strings (entity ids, users, epochs, codes) as ids into one
// symbol table, and what is large or unique (payloads, changes, queue ids) as references into
// one array, kept, never copied. A number a word cannot hold exactly (a fraction, -0, null,
// beyond ±2^31) goes to the references too, and its word says so: nothing is rounded. at(i)
// builds the event object again, field for field.
//
// Every record type and engine event type has a row layout (RECORD_LAYOUTS, EVENT_LAYOUTS),
// listed in the order its fields are declared, so a rebuilt event has the keys of the one
// recorded, in that order. Each layout is compiled once into an encoder and a decoder with the
// field names written out (a generic loop over the layout cost ~1 µs an event: every field read
// by a computed key), so a row is written and read as fast as an object literal is built.

import type { SyncEvent, SyncEventType } from '../engine/events.ts';
import type { StoredEvent } from './history.ts';

/**
 * How a field is kept: 'lit' the layout's type itself (not stored); 'num' a number; 'nnum' a
 * number or null; 'bool'; 'sym' a string (or null) from a small set, interned; 'ref' any value
 * by reference; 'opt' like 'ref', but the field may be absent (and stays absent).
 */
type Codec = 'lit' | 'num' | 'nnum' | 'bool' | 'sym' | 'ref' | 'opt';

type RecordType = StoredEvent['type'];
type PlainRecordType = Exclude<RecordType, 'engine'>;
type Fields<T> = readonly (readonly [keyof T & string, Codec])[];
/** A layout, once its keys are checked against its type. */
type Layout = readonly (readonly [string, Codec])[];

/** Layouts of the records but 'engine' (whose event has its own). */
const RECORD_LAYOUTS: { readonly [K in PlainRecordType]: Fields<Extract<StoredEvent, { type: K }>> } = {
  invoke: [['t', 'num'], ['type', 'lit'], ['client', 'num'], ['clientTime', 'num'], ['opId', 'num'], ['action', 'sym'], ['entityId', 'sym'], ['fields', 'ref']],
  complete: [['t', 'num'], ['type', 'lit'], ['client', 'num'], ['opId', 'num'], ['outcome', 'sym'], ['queueId', 'ref'], ['error', 'ref'], ['value', 'opt']],
  apply: [['t', 'num'], ['type', 'lit'], ['user', 'sym'], ['instance', 'num'], ['change', 'ref']],
  fault: [['t', 'num'], ['type', 'lit'], ['phase', 'sym'], ['index', 'num'], ['fault', 'ref']],
  crash: [['t', 'num'], ['type', 'lit'], ['client', 'num'], ['cause', 'sym'], ['detail', 'ref']],
  restart: [['t', 'num'], ['type', 'lit'], ['client', 'num'], ['detail', 'ref']],
  migrate: [['t', 'num'], ['type', 'lit'], ['client', 'num'], ['release', 'sym'], ['name', 'sym'], ['fromVersion', 'num'], ['toVersion', 'num'], ['ops', 'num']],
  server: [['t', 'num'], ['type', 'lit'], ['action', 'sym'], ['epoch', 'sym'], ['instance', 'num'], ['detail', 'opt']],
  phase: [['t', 'num'], ['type', 'lit'], ['phase', 'sym']],
};

/** The fields of an 'engine' record around its event. */
const ENGINE_RECORD: Fields<Extract<StoredEvent, { type: 'engine' }>> = [['t', 'num'], ['type', 'lit'], ['client', 'num'], ['clientTime', 'num']];

const EVENT_LAYOUTS: { readonly [K in SyncEventType]: Fields<Extract<SyncEvent, { type: K }>> } = {
  enqueued: [['type', 'lit'], ['at', 'num'], ['queueId', 'ref'], ['entityType', 'sym'], ['entityId', 'sym'], ['action', 'sym'], ['payload', 'ref']],
  coalesced: [['type', 'lit'], ['at', 'num'], ['queueId', 'ref'], ['into', 'ref']],
  sent: [['type', 'lit'], ['at', 'num'], ['requestId', 'num'], ['queueIds', 'ref'], ['bytes', 'num']],
  acked: [['type', 'lit'], ['at', 'num'], ['queueId', 'ref'], ['revision', 'num'], ['replayed', 'bool'], ['attempts', 'num']],
  retried: [['type', 'lit'], ['at', 'num'], ['queueId', 'ref'], ['attempts', 'num'], ['delayMs', 'num'], ['reason', 'sym']],
  resumed: [['type', 'lit'], ['at', 'num'], ['queueId', 'ref'], ['requestId', 'num']],
  'dead-lettered': [['type', 'lit'], ['at', 'num'], ['queueId', 'ref'], ['code', 'sym'], ['message', 'ref']],
  conflict: [['type', 'lit'], ['at', 'num'], ['queueId', 'ref'], ['entityType', 'sym'], ['entityId', 'sym'], ['policy', 'sym'], ['local', 'ref'], ['server', 'ref'], ['outcome', 'sym']],
  'conflict-resolved': [['type', 'lit'], ['at', 'num'], ['conflictId', 'ref'], ['queueId', 'ref'], ['resolution', 'sym']],
  pulled: [['type', 'lit'], ['at', 'num'], ['requestId', 'num'], ['count', 'num'], ['cursor', 'num'], ['epoch', 'sym']],
  applied: [['type', 'lit'], ['at', 'num'], ['entityType', 'sym'], ['entityId', 'sym'], ['revision', 'num'], ['deleted', 'bool'], ['originClientId', 'sym']],
  'epoch-changed': [['type', 'lit'], ['at', 'num'], ['from', 'sym'], ['to', 'sym']],
  'repair-enqueued': [['type', 'lit'], ['at', 'num'], ['queueId', 'ref'], ['entityType', 'sym'], ['entityId', 'sym'], ['reuploads', 'ref']],
  'request-failed': [['type', 'lit'], ['at', 'num'], ['requestId', 'num'], ['kind', 'sym'], ['outcome', 'sym'], ['status', 'nnum'], ['delayMs', 'num']],
  'upgrade-required': [['type', 'lit'], ['at', 'num'], ['kind', 'sym'], ['protocolVersion', 'num'], ['accepted', 'ref'], ['message', 'ref']],
};

/** Stands for an absent 'opt' field (refs are array indices, never negative). */
const ABSENT = -1;
const INT32_MIN = -(2 ** 31);
/**
 * A 'num' word at or below this is not the number but INT32_MIN + the index of the reference
 * holding it; above it, the word is the number. Plain numbers reach down to about -21.7 days
 * in ms (a clock reading 24 h slow is -86,400,000), and 2^28 references can hold escapes.
 */
const ESCAPED_MAX = INT32_MIN + 2 ** 28;

/** Where the strings and references of a log live; compiled codecs read and write them. */
class Tables {
  readonly symbols: (string | null)[] = [];
  readonly refs: unknown[] = [];
  private readonly symbolIds = new Map<string | null, number>();

  sym(value: string | null): number {
    let id = this.symbolIds.get(value);
    if (id === undefined) {
      id = this.symbols.length;
      this.symbols.push(value);
      this.symbolIds.set(value, id);
    }
    return id;
  }

  ref(value: unknown): number {
    this.refs.push(value);
    return this.refs.length - 1;
  }

  /**
   * The word for a number: the number itself when it is an int32 above ESCAPED_MAX (and not
   * -0, which `| 0` would make 0), else a reference to it, marked (null goes the same way).
   */
  num(value: number | null): number {
    if (value !== null && (value | 0) === value && value > ESCAPED_MAX && (value !== 0 || 1 / value > 0)) return value;
    const index = this.refs.length;
    if (index > ESCAPED_MAX - INT32_MIN) throw new RangeError(`EventLog: more than 2^28 references; cannot keep ${String(value)} exactly`);
    this.refs.push(value);
    return INT32_MIN + index;
  }
}

/** The number a 'num' word stands for. */
function numberOf(word: number, refs: readonly unknown[]): number {
  return word > ESCAPED_MAX ? word : (refs[word - INT32_MIN] as number);
}

/**
 * Writes a record's fields from word w + 1 on (word w is the kind code); for an engine record,
 * its event's fields after the record's own (t, client, clientTime: pushEngine writes those).
 */
type Encoder = (chunk: Int32Array, w: number, event: StoredEvent | SyncEvent, tables: Tables) => void;
/** Builds the event whose row starts at word w. */
type Decoder = (chunk: Int32Array, w: number, symbols: readonly (string | null)[], refs: readonly unknown[]) => StoredEvent;

/** One kind of row: a record type, or 'engine' with one event type. */
interface Kind {
  readonly type: RecordType;
  readonly eventType: SyncEventType | null;
  /** Words a row takes: the kind code and every stored field. */
  readonly words: number;
  readonly encode: Encoder;
  readonly decode: Decoder;
}

/**
 * The source of one layout's encoder statements and decoder object literal. Words are numbered
 * from `next`; 'opt' fields come last (so an absent one leaves the others' order as recorded).
 */
function compileLayout(fields: Layout, type: string, source: string, next: number): { writes: string[]; literal: string; optionals: string[]; next: number } {
  const writes: string[] = [];
  const entries: string[] = [];
  const optionals: string[] = [];
  for (const [index, [key, codec]] of fields.entries()) {
    const name = JSON.stringify(key);
    const field = `${source}[${name}]`;
    const word = `chunk[w + ${next}]`;
    if (codec === 'opt' && fields.slice(index + 1).some(([, later]) => later !== 'opt')) throw new Error(`EventLog: optional field ${key} of ${type} must come last`);
    switch (codec) {
      case 'lit':
        entries.push(`${name}: ${JSON.stringify(type)}`);
        continue;
      case 'num':
      case 'nnum': // null (or anything but a plain number) is escaped like any other
        writes.push(`${word} = tables.num(${field});`);
        entries.push(`${name}: ${word} > ${ESCAPED_MAX} ? ${word} : refs[${word} - ${INT32_MIN}]`);
        break;
      case 'bool':
        writes.push(`${word} = ${field} === true ? 1 : 0;`);
        entries.push(`${name}: ${word} === 1`);
        break;
      case 'sym':
        writes.push(`${word} = tables.sym(${field});`);
        entries.push(`${name}: symbols[${word}]`);
        break;
      case 'ref':
        writes.push(`${word} = tables.ref(${field});`);
        entries.push(`${name}: refs[${word}]`);
        break;
      case 'opt':
        writes.push(`${word} = ${name} in ${source} ? tables.ref(${field}) : ${ABSENT};`);
        optionals.push(`if (${word} !== ${ABSENT}) OBJECT[${name}] = refs[${word}];`);
        break;
    }
    next++;
  }
  return { writes, literal: `{ ${entries.join(', ')} }`, optionals, next };
}

/** The words pushEngine writes itself, in the order ENGINE_RECORD keeps them. */
const ENGINE_RECORD_WORDS = ['t', 'client', 'clientTime'];
if (ENGINE_RECORD.filter(([, codec]) => codec !== 'lit').map(([key]) => key).join() !== ENGINE_RECORD_WORDS.join()) throw new Error('EventLog: ENGINE_RECORD and pushEngine disagree');

function compileKind(type: RecordType, eventType: SyncEventType | null): Kind {
  const record = compileLayout(eventType === null ? RECORD_LAYOUTS[type as PlainRecordType] : ENGINE_RECORD, type, 'event', 1);
  // An engine kind's encoder is given the engine event alone, no record around it.
  const inner = eventType === null ? null : compileLayout(EVENT_LAYOUTS[eventType], eventType, 'event', record.next);
  const writes = inner === null ? record.writes : inner.writes;
  const literal = inner === null ? record.literal : `${record.literal.slice(0, -2)}, "event": ${inner.literal} }`;
  const optionals = [...record.optionals.map((line) => line.replace('OBJECT', 'built')), ...(inner?.optionals ?? []).map((line) => line.replace('OBJECT', 'built.event'))];
  // The sources are built from the layouts above only (constant keys and codecs), never from data.
  // Each is named in profiles by its kind (a compiled function has no file of its own).
  const name = eventType === null ? type : `engine-${eventType}`;
  const encode = new Function('chunk', 'w', 'event', 'tables', `"use strict"; ${writes.join(' ')}\n//# sourceURL=event-log/encode/${name}`) as Encoder;
  const decode = new Function('chunk', 'w', 'symbols', 'refs', `"use strict"; const built = ${literal}; ${optionals.join(' ')} return built;\n//# sourceURL=event-log/decode/${name}`) as Decoder;
  return { type, eventType, words: inner?.next ?? record.next, encode, decode };
}

const KINDS: readonly Kind[] = [
  ...(Object.keys(RECORD_LAYOUTS) as PlainRecordType[]).map((type) => compileKind(type, null)),
  ...(Object.keys(EVENT_LAYOUTS) as SyncEventType[]).map((eventType) => compileKind('engine', eventType)),
];
/** A layout's name: a record type, or 'engine:' and an event type. */
export type EventKind = PlainRecordType | `engine:${SyncEventType}`;

/** Every layout's name. */
export const EVENT_LOG_KINDS: readonly EventKind[] = KINDS.map((kind): EventKind => (kind.eventType === null ? (kind.type as PlainRecordType) : `engine:${kind.eventType}`));
const RECORD_KIND = new Map<string, number>(KINDS.flatMap((kind, code) => (kind.eventType === null ? [[kind.type, code]] : [])));
const EVENT_KIND = new Map<string, number>(KINDS.flatMap((kind, code) => (kind.eventType === null ? [] : [[kind.eventType, code]])));

/** Words per chunk; a row never spans two. */
const CHUNK_BITS = 16;
const CHUNK_WORDS = 1 << CHUNK_BITS;
/** Row starts per chunk of the start index. */
const STARTS_BITS = 14;
const STARTS_SIZE = 1 << STARTS_BITS;
const STARTS_MASK = STARTS_SIZE - 1;

export class EventLog implements Iterable<StoredEvent> {
  private count = 0;
  /** Rows, back to back. */
  private readonly chunks: Int32Array[] = [];
  /** Where row i starts: its word index over all chunks (below 2^32: 16 GB of rows). */
  private readonly starts: Uint32Array[] = [];
  private wordsUsed = CHUNK_WORDS; // full: the first row opens a chunk
  private tables = new Tables();

  /** A log of these events, in this order (histories built by hand, tests). */
  static of(events: Iterable<StoredEvent>): EventLog {
    const log = new EventLog();
    for (const event of events) log.push(event);
    return log;
  }

  get length(): number {
    return this.count;
  }

  push(event: StoredEvent): void {
    if (event.type === 'engine') {
      this.pushEngine(event.t, event.client, event.clientTime, event.event);
      return;
    }
    const code = RECORD_KIND.get(event.type);
    if (code === undefined) throw new Error(`EventLog: no layout for record ${JSON.stringify(event.type)}`);
    const w = this.openRow(code);
    KINDS[code]!.encode(this.chunks[this.chunks.length - 1]!, w, event, this.tables);
  }

  /** An engine record, from its parts (the simulator's hot path: no record object around the event). */
  pushEngine(t: number, client: number, clientTime: number, event: SyncEvent): void {
    const code = EVENT_KIND.get(event.type);
    if (code === undefined) throw new Error(`EventLog: no layout for engine event ${JSON.stringify(event.type)}`);
    const w = this.openRow(code);
    const chunk = this.chunks[this.chunks.length - 1]!;
    const tables = this.tables;
    chunk[w + 1] = tables.num(t);
    chunk[w + 2] = tables.num(client);
    chunk[w + 3] = tables.num(clientTime);
    KINDS[code]!.encode(chunk, w, event, tables);
  }

  /** Starts row `count` of this kind in the last chunk (a new one when it would not fit); its first word. */
  private openRow(code: number): number {
    const words = KINDS[code]!.words;
    if (this.wordsUsed + words > CHUNK_WORDS) {
      if ((this.chunks.length + 1) * CHUNK_WORDS > 2 ** 32) throw new RangeError(`EventLog: more than 2^32 words of rows (${this.count} events)`);
      this.chunks.push(new Int32Array(CHUNK_WORDS));
      this.wordsUsed = 0;
    }
    const w = this.wordsUsed;
    const i = this.count;
    if ((i & STARTS_MASK) === 0) this.starts.push(new Uint32Array(STARTS_SIZE));
    this.starts[i >>> STARTS_BITS]![i & STARTS_MASK] = (this.chunks.length - 1) * CHUNK_WORDS + w;
    this.chunks[this.chunks.length - 1]![w] = code;
    this.wordsUsed = w + words;
    this.count = i + 1;
    return w;
  }

  /** Drops every event (the symbols and references with them). */
  clear(): void {
    this.count = 0;
    this.chunks.length = 0;
    this.starts.length = 0;
    this.wordsUsed = CHUNK_WORDS;
    this.tables = new Tables();
  }

  /** The i-th event, as a new object. */
  at(i: number): StoredEvent {
    const { chunk, w } = this.row(i);
    return KINDS[chunk[w]!]!.decode(chunk, w, this.tables.symbols, this.tables.refs);
  }

  /** The i-th event's type, without building it. */
  typeAt(i: number): RecordType {
    const { chunk, w } = this.row(i);
    return KINDS[chunk[w]!]!.type;
  }

  /** The i-th event's true time, without building it (every layout starts with t). */
  timeAt(i: number): number {
    const { chunk, w } = this.row(i);
    return numberOf(chunk[w + 1]!, this.tables.refs);
  }

  /**
   * Visits the events of these kinds, in order, and skips the others without building them: a
   * pass that needs a few kinds of a long history (a checker, a summary) builds only those.
   */
  select(kinds: readonly EventKind[], visit: (event: StoredEvent, index: number) => void): void {
    const wanted = new Uint8Array(KINDS.length);
    for (const kind of kinds) {
      const code = EVENT_LOG_KINDS.indexOf(kind);
      if (code < 0) throw new Error(`EventLog.select: no kind ${JSON.stringify(kind)}`);
      wanted[code] = 1;
    }
    for (let i = 0; i < this.count; i++) {
      const { chunk, w } = this.row(i);
      if (wanted[chunk[w]!] === 1) visit(this.at(i), i);
    }
  }

  forEach(visit: (event: StoredEvent, index: number) => void): void {
    for (let i = 0; i < this.count; i++) visit(this.at(i), i);
  }

  filter<S extends StoredEvent>(keep: (event: StoredEvent, index: number) => event is S): S[];
  filter(keep: (event: StoredEvent, index: number) => boolean): StoredEvent[];
  filter(keep: (event: StoredEvent, index: number) => boolean): StoredEvent[] {
    const kept: StoredEvent[] = [];
    for (let i = 0; i < this.count; i++) {
      const event = this.at(i);
      if (keep(event, i)) kept.push(event);
    }
    return kept;
  }

  find(match: (event: StoredEvent, index: number) => boolean): StoredEvent | undefined {
    for (let i = 0; i < this.count; i++) {
      const event = this.at(i);
      if (match(event, i)) return event;
    }
    return undefined;
  }

  *[Symbol.iterator](): IterableIterator<StoredEvent> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  private row(i: number): { chunk: Int32Array; w: number } {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`event index should be an integer from 0 to ${this.count - 1}, got ${i}`);
    const start = this.starts[i >>> STARTS_BITS]![i & STARTS_MASK]!;
    return { chunk: this.chunks[Math.floor(start / CHUNK_WORDS)]!, w: start % CHUNK_WORDS };
  }
}
