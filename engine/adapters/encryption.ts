// Encryption at rest for the lowdb store: each entry's JSON text sealed with AES-256-GCM
// (node:crypto), the box and entry key as additional authenticated data (so an entry moved
// under another key or box fails), and a key check in the file header (so a wrong key is
// told apart from a damaged entry). A sealed entry is the JSON string
//   "gcm1:" + base64(iv ‖ ciphertext ‖ tag)        iv 12 bytes, tag 16 bytes.
// Entry keys (entity and queue ids) stay readable: the file is indexed by them.

import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { BoxName } from '../model.ts';
import { StorageError, type IvSourcePort, type KeyProviderPort } from '../ports.ts';

export const ENCRYPTION_ALGORITHM = 'aes-256-gcm';
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_PREFIX = 'gcm1:';
const KEY_CHECK_AAD = 'syncstorm-store key check';
const KEY_CHECK_PLAINTEXT = 'syncstorm-store';

/** The option that turns encryption on for a LowdbStorage. */
export interface StoreEncryption {
  readonly keys: KeyProviderPort;
  readonly ivs: IvSourcePort;
}

/** The file header's record of encryption: which algorithm, and a sealed constant that only the right key opens. */
export interface EncryptionHeader {
  readonly algorithm: typeof ENCRYPTION_ALGORITHM;
  readonly keyCheck: string;
}

function aadOf(box: BoxName, key: string): Buffer {
  return Buffer.from(`${box}\u0000${key}`, 'utf8');
}

/** The key from the provider, checked: exactly 32 bytes. */
export async function loadStoreKey(keys: KeyProviderPort): Promise<Uint8Array> {
  const key = await keys.key();
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : String(key);
    throw new Error(`encryption key should be ${KEY_BYTES} bytes (AES-256), got ${got}`);
  }
  return key;
}

export class EntryCipher {
  constructor(
    private readonly key: Uint8Array,
    private readonly ivs: IvSourcePort,
    private readonly path: string,
  ) {}

  /** Seals `plaintext` (an entry's JSON text) for box/key. */
  seal(box: BoxName, key: string, plaintext: string): string {
    return this.#seal(aadOf(box, key), plaintext);
  }

  /**
   * The JSON text sealed in `sealed` for box/key. Throws StorageError('corrupt') naming the
   * entry when it is not a sealed value or fails authentication (tampered, moved, or damaged).
   */
  open(box: BoxName, key: string, sealed: unknown): string {
    const plaintext = this.#open(aadOf(box, key), sealed);
    if (plaintext === null) {
      throw new StorageError('corrupt', `storage file ${this.path}: entry ${box}/${JSON.stringify(key)} fails authentication (tampered or damaged); nothing was read`);
    }
    return plaintext;
  }

  newHeader(): EncryptionHeader {
    return { algorithm: ENCRYPTION_ALGORITHM, keyCheck: this.#seal(Buffer.from(KEY_CHECK_AAD, 'utf8'), KEY_CHECK_PLAINTEXT) };
  }

  /** Throws StorageError('key') unless the header's key check opens with this key. */
  verifyHeader(header: EncryptionHeader): void {
    if (this.#open(Buffer.from(KEY_CHECK_AAD, 'utf8'), header.keyCheck) !== KEY_CHECK_PLAINTEXT) {
      throw new StorageError('key', `storage file ${this.path}: the encryption key does not open this store (wrong key, or a damaged key check); nothing was read`);
    }
  }

  #seal(aad: Buffer, plaintext: string): string {
    const iv = this.ivs.next(IV_BYTES);
    if (!(iv instanceof Uint8Array) || iv.length !== IV_BYTES) throw new Error(`IV source should give ${IV_BYTES} bytes, got ${iv instanceof Uint8Array ? iv.length : String(iv)}`);
    const cipher = createCipheriv(ENCRYPTION_ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
  }

  /** The plaintext, or null when `sealed` is malformed or does not authenticate. */
  #open(aad: Buffer, sealed: unknown): string | null {
    if (typeof sealed !== 'string' || !sealed.startsWith(SEALED_PREFIX)) return null;
    const encoded = sealed.slice(SEALED_PREFIX.length);
    // Buffer.from(…, 'base64') skips bad characters and ignores unused trailing bits: only the
    // canonical encoding of the bytes is accepted, so no flipped character goes unnoticed.
    const bytes = Buffer.from(encoded, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES || bytes.toString('base64') !== encoded) return null;
    try {
      const decipher = createDecipheriv(ENCRYPTION_ALGORITHM, this.key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
