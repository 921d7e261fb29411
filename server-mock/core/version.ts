// The protocol version gate every push and pull passes first: the version a request states
// (absent is protocol 1), checked against the range the server accepts. Pure; never throws.
//
// Out of range is HTTP 426 Upgrade Required rather than 400: the request is well formed, only
// its version is refused, and a status of its own lets a client (and a dashboard) tell "your
// build is out of date" from a malformed request without parsing the body. RFC 9110 §15.5.22
// asks for an Upgrade header naming the acceptable protocols; we list each accepted version.
// "Upgrade" means "switch to a version in the range", which for a client newer than the
// server's max means going back: the message and `protocolVersions` say which way.

import { PROTOCOL_VERSION_IMPLICIT, PROTOCOL_VERSION_UNSUPPORTED, type ErrorBody, type ProtocolVersionRange } from '../../engine/protocol.ts';
import { badRequest, type Reply } from './reply.ts';

/** Protocol name in the Upgrade header of a 426 (`syncstorm-sync/2`). */
export const UPGRADE_PROTOCOL_NAME = 'syncstorm-sync';

const DECIMAL = /^[1-9][0-9]*$/;

export type VersionCheck = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly reply: Reply<ErrorBody> };

/**
 * The request's version, or its refusal. `fromQuery` accepts a decimal string (a URL
 * parameter); a JSON body must hold a number. `field` names the value in a 400.
 */
export function checkProtocolVersion(value: unknown, range: ProtocolVersionRange, field: string, fromQuery = false): VersionCheck {
  if (value === undefined) return inRange(PROTOCOL_VERSION_IMPLICIT, range, field);
  const parsed = fromQuery && typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed) || parsed < 1) {
    const expectation = fromQuery ? 'an integer >= 1 (a number or a decimal string), or absent for protocol 1' : 'an integer >= 1, or absent for protocol 1';
    return { ok: false, reply: badRequest(field, expectation, value) };
  }
  return inRange(parsed, range, field);
}

function inRange(version: number, range: ProtocolVersionRange, field: string): VersionCheck {
  if (version >= range.min && version <= range.max) return { ok: true, version };
  return { ok: false, reply: versionRefused(version, range, field) };
}

export function versionRefused(version: number, range: ProtocolVersionRange, field: string): Reply<ErrorBody> {
  const accepted = range.min === range.max ? `only protocol version ${range.min}` : `protocol versions ${range.min} to ${range.max}`;
  const direction = version < range.min ? 'upgrade the client' : 'use an older protocol version or upgrade the server';
  const versions: string[] = [];
  for (let v = range.min; v <= range.max; v++) versions.push(`${UPGRADE_PROTOCOL_NAME}/${v}`);
  return {
    status: 426,
    headers: { upgrade: versions.join(', ') },
    body: {
      error: PROTOCOL_VERSION_UNSUPPORTED,
      field,
      message: `protocol version ${version} is not supported: this server accepts ${accepted}; ${direction}`,
      retryable: false,
      protocolVersions: { min: range.min, max: range.max },
    },
  };
}
