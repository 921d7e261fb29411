// Engine and server releases for mixed-version fleets (a rolling upgrade). A release is data:
// the local schema version a client's store is written in and the wire protocol version it
// speaks; for the server, the protocol versions it accepts. An old client release runs the
// same core code over its own on-disk shape (engine/schema codec: Hive's versioned adapters),
// so the harness tests the migration and the protocol change, not two copies of an engine.
//
// Upgrades are scheduled like faults ('client-upgrade' and 'server-upgrade' in sim/types.ts,
// placed by a scenario's schedule, never drawn by the swarm); Fault.param names the target
// release by its index here, so run files stay plain numbers.

import { PROTOCOL_VERSION_LATEST, type ProtocolVersion, type ProtocolVersionRange } from '../engine/protocol.ts';
import { LATEST_SCHEMA_VERSION } from '../engine/schema/index.ts';

export interface ClientRelease {
  readonly name: string;
  /** The local schema its store is written in (engine/schema/history.ts). */
  readonly schemaVersion: number;
  readonly protocolVersion: ProtocolVersion;
}

export interface ServerRelease {
  readonly name: string;
  readonly protocolVersions: ProtocolVersionRange;
}

/** Oldest first; the last is the current code. */
export const CLIENT_RELEASES: readonly ClientRelease[] = Object.freeze([
  { name: 'v1', schemaVersion: 1, protocolVersion: 1 },
  { name: 'v2', schemaVersion: LATEST_SCHEMA_VERSION, protocolVersion: PROTOCOL_VERSION_LATEST },
]);

export const SERVER_RELEASES: readonly ServerRelease[] = Object.freeze([
  { name: 'v1', protocolVersions: { min: 1, max: 1 } },
  { name: 'v2', protocolVersions: { min: 1, max: PROTOCOL_VERSION_LATEST } },
]);

export const LATEST_CLIENT_RELEASE = CLIENT_RELEASES[CLIENT_RELEASES.length - 1]!.name;
export const LATEST_SERVER_RELEASE = SERVER_RELEASES[SERVER_RELEASES.length - 1]!.name;

export function clientReleaseIndex(name: string): number {
  return CLIENT_RELEASES.findIndex((release) => release.name === name);
}

export function serverReleaseIndex(name: string): number {
  return SERVER_RELEASES.findIndex((release) => release.name === name);
}

export function clientReleaseNamed(name: string): ClientRelease {
  const index = clientReleaseIndex(name);
  if (index < 0) throw new Error(`unknown client release ${JSON.stringify(name)}; known: ${CLIENT_RELEASES.map((r) => r.name).join(', ')}`);
  return CLIENT_RELEASES[index]!;
}

export function serverReleaseNamed(name: string): ServerRelease {
  const index = serverReleaseIndex(name);
  if (index < 0) throw new Error(`unknown server release ${JSON.stringify(name)}; known: ${SERVER_RELEASES.map((r) => r.name).join(', ')}`);
  return SERVER_RELEASES[index]!;
}

/**
 * A client-upgrade fault's param: the target release (bits 0–3) and, when crashDuringStep is
 * k ≥ 1, a crash just before migration step k commits (bits 4–7), so a device loses power in
 * the middle of its migration and must finish it on the next start.
 */
export function clientUpgradeParam(release: string, crashBeforeStep = 0): number {
  const index = clientReleaseIndex(release);
  if (index < 0) throw new Error(`clientUpgradeParam: unknown client release ${JSON.stringify(release)}`);
  if (!Number.isInteger(crashBeforeStep) || crashBeforeStep < 0 || crashBeforeStep > 15) {
    throw new Error(`clientUpgradeParam: crashBeforeStep should be an integer from 0 to 15, got ${crashBeforeStep}`);
  }
  return index | (crashBeforeStep << 4);
}

export function clientUpgradeOfParam(param: number): { readonly release: ClientRelease; readonly crashBeforeStep: number } {
  const release = CLIENT_RELEASES[param & 15];
  if (release === undefined) throw new Error(`client-upgrade param ${param}: no client release at index ${param & 15}`);
  return { release, crashBeforeStep: (param >> 4) & 15 };
}

export function serverReleaseOfParam(param: number): ServerRelease {
  const release = SERVER_RELEASES[param];
  if (release === undefined) throw new Error(`server-upgrade param ${param}: no server release at index ${param}`);
  return release;
}
