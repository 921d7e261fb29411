// The mock's bearer tokens: issue for a user, refresh an old one, authenticate a request.
// A token is valid for its user only, until expiresAt; a refresh is accepted for one more
// lifetime after that, so a client that slept through expiry does not have to log in again.
// Refreshing does not revoke the old token: two tabs refreshing at once must both keep working.

import type { ErrorBody, TokenResponse } from '../../engine/protocol.ts';
import type { ServerCoreOptions } from './options.ts';
import { badRequest, unauthorized, type Reply } from './reply.ts';
import type { ServerState, TokenRecord } from './state.ts';
import { isName, isPlainObject, NAME_EXPECTATION } from './values.ts';

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_RANDOM_CHARS = 22; // ~131 bits from a good random source
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i; // the scheme is case-insensitive (RFC 7235)

export type AuthResult = { readonly ok: true; readonly user: string } | { readonly ok: false; readonly reply: Reply<ErrorBody> };

function randomChars(random: () => number): string {
  let text = '';
  for (let i = 0; i < TOKEN_RANDOM_CHARS; i++) {
    const r = random();
    if (!(r >= 0 && r < 1)) throw new Error(`assertion failed: random() should return a float in [0, 1), returned ${r}`);
    text += TOKEN_ALPHABET[Math.floor(r * TOKEN_ALPHABET.length)];
  }
  return text;
}

/** A new token; the issue counter in the string keeps tokens unique whatever random returns. */
function mint(state: ServerState, options: ServerCoreOptions, user: string, nowMs: number): Reply<TokenResponse> {
  state.tokenCount += 1;
  const token = `${randomChars(options.random)}.${state.tokenCount.toString(36)}`;
  const expiresAt = nowMs + options.tokenLifetimeMs;
  state.tokens.set(token, { user, expiresAt });
  return { status: 200, body: { token, expiresAt } };
}

export function issueToken(state: ServerState, options: ServerCoreOptions, body: unknown, nowMs: number): Reply<TokenResponse | ErrorBody> {
  if (!isPlainObject(body)) return badRequest('body', 'a JSON object', body);
  const user = body['user'];
  if (!isName(user)) return badRequest('user', NAME_EXPECTATION, user);
  return mint(state, options, user, nowMs);
}

/** The token record named by an Authorization header, or why there is none. */
function lookUp(state: ServerState, authorization: string | undefined): { token: string; record: TokenRecord } | Reply<ErrorBody> {
  if (typeof authorization !== 'string') return unauthorized('unauthorized', 'missing Authorization header');
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) return unauthorized('unauthorized', 'Authorization should be "Bearer <token>"');
  const record = state.tokens.get(token);
  if (record === undefined) return unauthorized('unauthorized', 'unknown token');
  return { token, record };
}

export function authenticate(state: ServerState, authorization: string | undefined, nowMs: number): AuthResult {
  const found = lookUp(state, authorization);
  if ('status' in found) return { ok: false, reply: found };
  return admitRecord(found.record, nowMs);
}

/**
 * A bare token, as an in-process caller holds it (the simulator: no header to build and parse
 * on every request). The same rules as authenticate, after the header.
 */
export function authenticateToken(state: ServerState, token: string, nowMs: number): AuthResult {
  const record = state.tokens.get(token);
  if (record === undefined) return { ok: false, reply: unauthorized('unauthorized', 'unknown token') };
  return admitRecord(record, nowMs);
}

function admitRecord(record: TokenRecord, nowMs: number): AuthResult {
  if (nowMs >= record.expiresAt) {
    return { ok: false, reply: unauthorized('token_expired', `token expired at ${record.expiresAt}; refresh it`) };
  }
  return { ok: true, user: record.user };
}

export function refreshToken(state: ServerState, options: ServerCoreOptions, authorization: string | undefined, nowMs: number): Reply<TokenResponse | ErrorBody> {
  const found = lookUp(state, authorization);
  if ('status' in found) return found;
  if (nowMs >= found.record.expiresAt + options.tokenLifetimeMs) {
    // 'unauthorized', not 'token_expired': refreshing again cannot help, a new token is needed.
    return unauthorized('unauthorized', `token expired at ${found.record.expiresAt}, too long ago to refresh`);
  }
  return mint(state, options, found.record.user, nowMs);
}

/**
 * Drops tokens past their refresh window (useless to anyone). The caller runs it when the map
 * has doubled since the last prune, so the cost is amortized O(1) per issued token.
 */
export function pruneTokens(state: ServerState, options: ServerCoreOptions, nowMs: number): void {
  for (const [token, record] of state.tokens) {
    if (nowMs >= record.expiresAt + options.tokenLifetimeMs) state.tokens.delete(token);
  }
}
