// The messages of a History, kept in columns. Every request and answer leaves two to four
// records (sent, delivered, answered, dropped…), about half of all a run records. As objects
// they were ~45% of a history's memory and, since every record lives to the end of the run, a
// large share of the garbage collector's work during it. Here one message is 25 bytes in typed
// arrays the collector never scans (chunks of 16 K messages, never copied), and it becomes a
// MessageRecord object only when read.
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
const UINT32_MAX = 0xffff_ffff;
/** Messages per chunk: columns grow a chunk at a time, never copied. */
const CHUNK_BITS = 14;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** One chunk of every column. */
class Chunk {
  readonly times = new Float64Array(CHUNK_SIZE);
  readonly requestIds = new Uint32Array(CHUNK_SIZE);
  readonly positions = new Uint32Array(CHUNK_SIZE);
  readonly clients = new Int32Array(CHUNK_SIZE);
  readonly details = new Int32Array(CHUNK_SIZE);
  readonly codes = new Uint8Array(CHUNK_SIZE);
}

export class MessageLog {
  private count = 0;
  private readonly chunks: Chunk[] = [];
  /** Each distinct detail text once; details[i] indexes it. Index 0 is ''. */
  private readonly texts: string[] = [''];
  private readonly textIndex = new Map<string, number>([['', 0]]);
  /** The last detail interned (answers repeat one detail, '200', over and over). */
  private lastText = '';
  private lastTextIndex = 0;

  get length(): number {
    return this.count;
  }

  /** Appends one message; `position` is the number of history events recorded before it. */
  append(position: number, t: number, client: number, kind: MessageKind, dir: MessageDir, requestId: number, fate: MessageFate, detail: string): void {
    // Request ids count one client's requests, positions a run's events: both far below 2^32.
    if (requestId >>> 0 !== requestId) throw new RangeError(`message requestId should be an integer from 0 to ${UINT32_MAX}, got ${requestId}`);
    if (position >>> 0 !== position) throw new RangeError(`message position should be an integer from 0 to ${UINT32_MAX}, got ${position}`);
    const i = this.count;
    const j = i & CHUNK_MASK;
    if (j === 0) this.chunks.push(new Chunk());
    const chunk = this.chunks[i >>> CHUNK_BITS]!;
    chunk.times[j] = t;
    chunk.requestIds[j] = requestId;
    chunk.positions[j] = position;
    chunk.clients[j] = client;
    chunk.details[j] = this.textOf(detail);
    chunk.codes[j] = FATE_CODES[fate] | (kind === 'pull' ? PULL_BIT : 0) | (dir === 'response' ? RESPONSE_BIT : 0);
    this.count = i + 1;
  }

  /** The i-th message, as a new object. */
  at(i: number): MessageRecord {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`message index should be an integer from 0 to ${this.count - 1}, got ${i}`);
    const chunk = this.chunks[i >>> CHUNK_BITS]!;
    const j = i & CHUNK_MASK;
    const code = chunk.codes[j]!;
    return {
      t: chunk.times[j]!,
      type: 'message',
      client: chunk.clients[j]!,
      kind: code & PULL_BIT ? 'pull' : 'push',
      dir: code & RESPONSE_BIT ? 'response' : 'request',
      requestId: chunk.requestIds[j]!,
      fate: FATES[code & 7]!,
      detail: this.texts[chunk.details[j]!]!,
    };
  }

  /** How many history events were recorded before the i-th message. */
  positionOf(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]!.positions[i & CHUNK_MASK]!;
  }

  /** The i-th message's fate, without building the record. */
  fateOf(i: number): MessageFate {
    return FATES[this.chunks[i >>> CHUNK_BITS]!.codes[i & CHUNK_MASK]! & 7]!;
  }

  *[Symbol.iterator](): IterableIterator<MessageRecord> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  private textOf(detail: string): number {
    if (detail === this.lastText) return this.lastTextIndex;
    let index = this.textIndex.get(detail);
    if (index === undefined) {
      index = this.texts.length;
      this.texts.push(detail);
      this.textIndex.set(detail, index);
    }
    this.lastText = detail;
    this.lastTextIndex = index;
    return index;
  }
}
