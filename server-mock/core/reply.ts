// HTTP-shaped replies of the server core, and the error bodies it builds. Express only copies
// status, headers and body onto the wire; the simulator reads them directly.

import type { ErrorBody } from '../../engine/protocol.ts';
import { describeValue } from './values.ts';

export interface Reply<T> {
  readonly status: number;
  readonly body: T;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The message every validation error uses: `field should be expectation, got value`. */
export function shouldBe(field: string, expectation: string, value: unknown): string {
  return `${field} should be ${expectation}, got ${describeValue(value)}`;
}

export function badRequest(field: string, expectation: string, value: unknown): Reply<ErrorBody> {
  return { status: 400, body: { error: 'bad_request', field, message: shouldBe(field, expectation, value) } };
}

export function unauthorized(error: 'unauthorized' | 'token_expired', message: string): Reply<ErrorBody> {
  return { status: 401, body: { error, message }, headers: { 'www-authenticate': `Bearer error="invalid_token"` } };
}
