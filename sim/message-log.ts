// The messages of a History, kept in columns. Every request and answer leaves two to four
// records (sent, delivered, answered, dropped…), about half of all a run records. As objects
// they were ~45% of a history's memory and, since every record lives to the end of the run, a
// large share of the garbage collector's work during it. Here one message is 33 bytes in typed
// arrays the collector never scans, and it becomes a MessageRecord object only when read.
//
// Order: each message remembers how many history events preceded it (its position), so the
// two streams merge back into exactly the order they were recorded in (forEachRecord, history.ts).

export type MessageFate = 'sent' | 'delivered' | 'dropped' | 'duplicated' | 'refused';
export type MessageKind = 'push' | 'pull';
export type MessageDir = 'request' | 'response';

export interface MessageRecord {
  readonly t: number;
  readonly type: 'message';
  readonly client: number;
  readonly kind: MessageKind;
  readonly dir: MessageDir;
  readonly requestId: number;
  readonly fate: MessageFate;
  readonly detail: string;
}

const FATES: readonly MessageFate[] = ['sent', 'delivered', 'dropped', 'duplicated', 'refused'];
const FATE_CODES: Readonly<Record<MessageFate, number>> = { sent: 0, delivered: 1, dropped: 2, duplicated: 3, refused: 4 };
/** code = fate | kind bit | dir bit. */
const PULL_BIT = 8;
const RESPONSE_BIT = 16;
const CAPACITY_INITIAL = 1024;

function grown<T extends Float64Array | Int32Array | Uint8Array>(array: T, capacity: number): T {
  const next = new (array.constructor as new (length: number) => T)(capacity);
  next.set(array);
  return next;
}

export class MessageLog {
  private count = 0;
  private times = new Float64Array(CAPACITY_INITIAL);
  private requestIds = new Float64Array(CAPACITY_INITIAL);
  private positions = new Float64Array(CAPACITY_INITIAL);
  private clients = new Int32Array(CAPACITY_INITIAL);
  private details = new Int32Array(CAPACITY_INITIAL);
  private codes = new Uint8Array(CAPACITY_INITIAL);
  /** Each distinct detail text once; details[i] indexes it. Index 0 is ''. */
  private readonly texts: string[] = [''];
  private readonly textIndex = new Map<string, number>([['', 0]]);

  get length(): number {
    return this.count;
  }

  /** Appends one message; `position` is the number of history events recorded before it. */
  append(position: number, t: number, client: number, kind: MessageKind, dir: MessageDir, requestId: number, fate: MessageFate, detail: string): void {
    const i = this.count;
    if (i === this.codes.length) this.grow(2 * i);
    this.times[i] = t;
    this.requestIds[i] = requestId;
    this.positions[i] = position;
    this.clients[i] = client;
    this.details[i] = detail === '' ? 0 : this.textOf(detail);
    this.codes[i] = FATE_CODES[fate] | (kind === 'pull' ? PULL_BIT : 0) | (dir === 'response' ? RESPONSE_BIT : 0);
    this.count = i + 1;
  }

  /** The i-th message, as a new object. */
  at(i: number): MessageRecord {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`message index should be an integer from 0 to ${this.count - 1}, got ${i}`);
    const code = this.codes[i]!;
    return {
      t: this.times[i]!,
      type: 'message',
      client: this.clients[i]!,
      kind: code & PULL_BIT ? 'pull' : 'push',
      dir: code & RESPONSE_BIT ? 'response' : 'request',
      requestId: this.requestIds[i]!,
      fate: FATES[code & 7]!,
      detail: this.texts[this.details[i]!]!,
    };
  }

  /** How many history events were recorded before the i-th message. */
  positionOf(i: number): number {
    return this.positions[i]!;
  }

  /** The i-th message's fate, without building the record. */
  fateOf(i: number): MessageFate {
    return FATES[this.codes[i]! & 7]!;
  }

  *[Symbol.iterator](): IterableIterator<MessageRecord> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  /** Bytes the columns hold (allocated capacity, texts not counted). */
  get byteLength(): number {
    return this.codes.length * (3 * 8 + 2 * 4 + 1);
  }

  private textOf(detail: string): number {
    let index = this.textIndex.get(detail);
    if (index === undefined) {
      index = this.texts.length;
      this.texts.push(detail);
      this.textIndex.set(detail, index);
    }
    return index;
  }

  private grow(capacity: number): void {
    this.times = grown(this.times, capacity);
    this.requestIds = grown(this.requestIds, capacity);
    this.positions = grown(this.positions, capacity);
    this.clients = grown(this.clients, capacity);
    this.details = grown(this.details, capacity);
    this.codes = grown(this.codes, capacity);
  }
}
