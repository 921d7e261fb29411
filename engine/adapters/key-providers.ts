// Adapters of KeyProviderPort and IvSourcePort. Real use: a key from an environment variable
// or a key file (64 hex digits or base64 of 32 bytes), IVs from the OS's random source.
// Tests and the simulator: a fixed key and IVs from a seeded RandomPort, so a run replays
// byte for byte. A seeded IV source is for simulation only: under a real key, predictable
// or repeated GCM IVs break the encryption.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IvSourcePort, KeyProviderPort, RandomPort } from '../ports.ts';
import { KEY_BYTES } from './encryption.ts';

/** Key bytes from text: 64 hex digits, or base64 (44 characters) of 32 bytes. `source` names where it came from. */
export function parseKeyText(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return new Uint8Array(Buffer.from(trimmed, 'hex'));
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length === KEY_BYTES && bytes.toString('base64') === trimmed) return new Uint8Array(bytes);
  throw new Error(`${source} should hold a ${KEY_BYTES}-byte key as 64 hex digits or base64, got ${trimmed.length} characters that are neither`);
}

export function staticKeyProvider(key: Uint8Array): KeyProviderPort {
  const copy = new Uint8Array(key);
  return { key: async () => copy };
}

/** A fixed key drawn once from a seeded RandomPort: the simulator's key "from the seed". */
export function seededKeyProvider(random: RandomPort): KeyProviderPort {
  return staticKeyProvider(seededBytes(random, KEY_BYTES));
}

function seededBytes(random: RandomPort, byteLength: number): Uint8Array {
  const bytes = new Uint8Array(byteLength);
  for (let i = 0; i < byteLength; i++) bytes[i] = Math.floor(random.float() * 256);
  return bytes;
}

/** Reads the key from `env[name]` (process.env by default) each time it is asked. */
export function envKeyProvider(name: string, env: Readonly<Record<string, string | undefined>> = process.env): KeyProviderPort {
  return {
    key: async () => {
      const text = env[name];
      if (text === undefined || text.trim() === '') throw new Error(`environment variable ${name} is not set (it should hold the store key)`);
      return parseKeyText(text, `environment variable ${name}`);
    },
  };
}

export function fileKeyProvider(path: string): KeyProviderPort {
  return {
    key: async () => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        throw new Error(`key file ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      }
      return parseKeyText(text, `key file ${path}`);
    },
  };
}

export const randomIvSource: IvSourcePort = {
  next: (byteLength) => new Uint8Array(randomBytes(byteLength)),
};

/** IVs drawn from a seeded RandomPort (simulation and tests only; see the file comment). */
export function seededIvSource(random: RandomPort): IvSourcePort {
  return { next: (byteLength) => seededBytes(random, byteLength) };
}
