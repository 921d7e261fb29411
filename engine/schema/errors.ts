// SchemaError: a store whose schema this engine cannot read or migrate. Always thrown before
// anything is written, so the store is left exactly as it was.

export type SchemaErrorCode =
  /** The store was written by a newer release than this engine knows. */
  | 'too-new'
  /** The metadata/'schema' record is not { version: positive integer }. */
  | 'bad-version-record'
  /** A record is in neither the older nor the newer shape of a step. */
  | 'shape'
  /** VersionedStorage opened over a store at another version (migrate it first). */
  | 'version-mismatch';

export class SchemaError extends Error {
  constructor(
    readonly code: SchemaErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SchemaError';
  }
}
