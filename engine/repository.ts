// Repository<T>: the app-facing API over a SyncEngine for one entity type. Writes resolve
// once durable (local write and queue item in one transaction); reads are local and see
// every local write at once (read-your-writes). Note is the built-in example type.

import type { Fields } from './protocol.ts';
import type { EntityRecord } from './model.ts';
import type { RandomPort } from './ports.ts';
import type { SyncEngine } from './engine.ts';
import { isJsonValue, isPlainObject } from './policy/fields.ts';

export interface EntitySchema<T extends Fields> {
  readonly entityType: string;
  /** A message naming the bad field and value, or null when `fields` are valid (all of them, or the given ones when partial). */
  validate(fields: unknown, partial: boolean): string | null;
}

export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

export type WithId<T> = T & { readonly id: string };

export class Repository<T extends Fields> {
  constructor(
    private readonly engine: SyncEngine,
    private readonly schema: EntitySchema<T>,
    private readonly random: RandomPort,
  ) {}

  async create(fields: T, id: string = this.newId()): Promise<WithId<T>> {
    this.check(fields, false);
    await this.engine.write('create', this.schema.entityType, id, fields);
    return { ...fields, id };
  }

  async update(id: string, delta: Partial<T>): Promise<void> {
    this.check(delta, true);
    await this.engine.write('update', this.schema.entityType, id, delta as Fields);
  }

  async delete(id: string): Promise<void> {
    await this.engine.write('delete', this.schema.entityType, id, {});
  }

  get(id: string): WithId<T> | undefined {
    const record = this.engine.get(this.schema.entityType, id);
    return record === undefined || record.deleted ? undefined : this.toValue(record);
  }

  list(): WithId<T>[] {
    return this.engine.list(this.schema.entityType).map((r) => this.toValue(r));
  }

  /** Calls `listener` with the current list now and after every change of this type. */
  watch(listener: (items: WithId<T>[]) => void): () => void {
    listener(this.list());
    return this.engine.onChange((types) => {
      if (types.has(this.schema.entityType)) listener(this.list());
    });
  }

  forceSync(): void {
    this.engine.forceSync();
  }

  private check(fields: unknown, partial: boolean): void {
    const problem = this.schema.validate(fields, partial);
    if (problem !== null) throw new ValidationError(`${this.schema.entityType}: ${problem}`);
  }

  private toValue(record: EntityRecord): WithId<T> {
    return { ...(record.fields as T), id: record.entityId };
  }

  private newId(): string {
    let id = '';
    for (let i = 0; i < 4; i++) id += Math.floor(this.random.float() * 0x1_0000_0000).toString(16).padStart(8, '0');
    return id;
  }
}

export interface Note extends Fields {
  readonly title: string;
  readonly content: string;
  readonly tags: readonly string[];
}

const NOTE_FIELDS = { title: 'string', content: 'string', tags: 'string[]' } as const;

export const NOTE_SCHEMA: EntitySchema<Note> = {
  entityType: 'note',
  validate(fields, partial) {
    if (!isPlainObject(fields) || !isJsonValue(fields)) return `fields should be a plain object, got ${JSON.stringify(fields)}`;
    for (const key of Object.keys(fields)) {
      if (!(key in NOTE_FIELDS)) return `unknown field ${JSON.stringify(key)}`;
    }
    for (const [key, kind] of Object.entries(NOTE_FIELDS)) {
      const value = fields[key];
      if (value === undefined) {
        if (partial) continue;
        return `${key} is missing`;
      }
      const ok = kind === 'string' ? typeof value === 'string' : Array.isArray(value) && value.every((t) => typeof t === 'string');
      if (!ok) return `${key} should be a ${kind === 'string' ? 'string' : 'list of strings'}, got ${JSON.stringify(value)}`;
    }
    return null;
  },
};

export function notes(engine: SyncEngine, random: RandomPort): Repository<Note> {
  return new Repository(engine, NOTE_SCHEMA, random);
}
