// The nemesis: starts and stops the faults of a plan (DESIGN §5). Link faults are recomputed
// from the client's base link and every fault active on it, so overlapping faults compose
// and stopping one restores exactly what the others leave. heal() ends them all at once.

import type { LinkConfig } from './link.ts';
import { crashOfParam, type VirtualClient } from './client.ts';
import type { World } from './world.ts';
import type { ServerState } from '../server-mock/core/index.ts';
import type { Fault } from './types.ts';
import { clientUpgradeOfParam, serverReleaseOfParam } from './releases.ts';

export class Nemesis {
  /** Server faults active now, by fault index. */
  private readonly serverFaults = new Map<number, Fault>();
  private readonly rollbackSnapshots = new Map<number, ServerState>();
  private readonly driftBefore = new Map<number, number>();

  constructor(
    private readonly world: World,
    private readonly faults: readonly Fault[],
  ) {}

  start(index: number): void {
    const fault = this.faults[index]!;
    const world = this.world;
    world.record({ t: world.now, type: 'fault', phase: 'start', index, fault });
    if (fault.client >= 0) this.startClientFault(world.clients[fault.client]!, fault, index);
    else this.startServerFault(fault, index);
  }

  stop(index: number): void {
    const fault = this.faults[index]!;
    const world = this.world;
    world.record({ t: world.now, type: 'fault', phase: 'stop', index, fault });
    if (fault.client >= 0) this.stopClientFault(world.clients[fault.client]!, fault, index);
    else this.stopServerFault(fault, index);
  }

  private startClientFault(client: VirtualClient, fault: Fault, index: number): void {
    const now = this.world.now;
    switch (fault.kind) {
      case 'offline':
        setOnline(client, false);
        break;
      case 'client-crash':
        client.crash = crashOfParam(fault.param);
        break;
      case 'storage-quota':
        client.store.setQuotaFailing(true);
        break;
      case 'clock-step':
        client.clock.step(now, fault.param);
        break;
      case 'clock-drift':
        this.driftBefore.set(index, client.clock.driftPpm);
        client.clock.setDrift(now, fault.param);
        break;
      case 'client-upgrade': {
        const { release, crashBeforeStep } = clientUpgradeOfParam(fault.param);
        client.upgradeTo(release, crashBeforeStep);
        break;
      }
      case 'second-tab':
        client.openTab(this.tabOf(index));
        break;
      default:
        client.activeFaults.push(fault);
        client.link = effectiveLink(client.baseLink, client.activeFaults);
    }
  }

  private stopClientFault(client: VirtualClient, fault: Fault, index: number): void {
    switch (fault.kind) {
      case 'offline':
        setOnline(client, true);
        break;
      case 'client-crash':
        client.crash = null;
        client.restart();
        break;
      case 'storage-quota':
        client.store.setQuotaFailing(false);
        break;
      case 'clock-step':
        break; // a step is permanent
      case 'clock-drift':
        client.clock.setDrift(this.world.now, this.driftBefore.get(index) ?? 0);
        this.driftBefore.delete(index);
        break;
      case 'client-upgrade':
        client.restart(); // into the release it installed
        break;
      case 'second-tab':
        client.closeTab(this.tabOf(index), 'the second tab closed');
        break;
      default: {
        const at = client.activeFaults.indexOf(fault);
        if (at >= 0) client.activeFaults.splice(at, 1);
        client.link = effectiveLink(client.baseLink, client.activeFaults);
      }
    }
  }

  private startServerFault(fault: Fault, index: number): void {
    const world = this.world;
    const server = world.server;
    const note = (action: 'crash' | 'restart' | 'rollback' | 'failover' | 'tokens-expired'): void =>
      world.record({ t: world.now, type: 'server', action, epoch: server.core.epoch, instance: server.instance });
    switch (fault.kind) {
      case 'server-crash':
        server.crash();
        note('crash');
        break;
      case 'server-rollback':
        this.rollbackSnapshots.set(index, server.snapshot());
        break;
      case 'server-failover':
        server.failover();
        note('failover');
        break;
      case 'token-expiry':
        server.expireTokens(world.now);
        note('tokens-expired');
        break;
      case 'server-upgrade': {
        const release = serverReleaseOfParam(fault.param);
        server.core.setProtocolVersions(release.protocolVersions);
        world.record({ t: world.now, type: 'server', action: 'upgrade', epoch: server.core.epoch, instance: server.instance, detail: `${release.name}: protocol ${release.protocolVersions.min}–${release.protocolVersions.max}` });
        break;
      }
      default:
        this.serverFaults.set(index, fault);
        this.recomputeServerFaults();
    }
  }

  private stopServerFault(fault: Fault, index: number): void {
    const world = this.world;
    const server = world.server;
    switch (fault.kind) {
      case 'server-crash':
        server.restart();
        world.record({ t: world.now, type: 'server', action: 'restart', epoch: server.core.epoch, instance: server.instance });
        break;
      case 'server-rollback': {
        // Restored at the end of the window: everything applied during it is lost.
        const snapshot = this.rollbackSnapshots.get(index);
        this.rollbackSnapshots.delete(index);
        if (snapshot !== undefined) {
          server.rollback(snapshot);
          world.record({ t: world.now, type: 'server', action: 'rollback', epoch: server.core.epoch, instance: server.instance });
        }
        break;
      }
      case 'server-failover':
      case 'token-expiry':
      case 'server-upgrade': // permanent
        break;
      default:
        this.serverFaults.delete(index);
        this.recomputeServerFaults();
    }
  }

  private recomputeServerFaults(): void {
    const f = this.world.server.faults;
    f.errorPerMille = 0;
    f.rejectPerMille = 0;
    f.busyPerMille = 0;
    f.retryAfterMs = null;
    f.itemsMax413 = null;
    f.commitThenFailPerMille = 0;
    f.slowMs = 0;
    for (const fault of this.serverFaults.values()) {
      if (fault.kind === 'server-5xx') f.errorPerMille = Math.max(f.errorPerMille, fault.param);
      else if (fault.kind === 'permanent-error') f.rejectPerMille = Math.max(f.rejectPerMille, fault.param);
      else if (fault.kind === 'item-busy') f.busyPerMille = Math.max(f.busyPerMille, fault.param);
      else if (fault.kind === 'server-429') f.retryAfterMs = Math.max(f.retryAfterMs ?? 0, fault.param);
      else if (fault.kind === 'server-413') f.itemsMax413 = Math.min(f.itemsMax413 ?? Infinity, Math.max(1, fault.param));
      else if (fault.kind === 'commit-then-fail') f.commitThenFailPerMille = Math.max(f.commitThenFailPerMille, fault.param || 1000);
      else if (fault.kind === 'server-slow') f.slowMs = Math.max(f.slowMs, fault.param);
    }
  }

  /** The world's slot for the tab a second-tab fault opens. */
  private tabOf(index: number): VirtualClient {
    const slot = this.world.tabSlots.get(index);
    if (slot === undefined) throw new Error(`fault ${index} (${this.faults[index]!.kind}) has no tab slot in the world`);
    return this.world.clients[slot]!;
  }

  /** End every fault: links restored, second tabs closed, devices online, crashed clients and the server back up. */
  heal(): void {
    const world = this.world;
    for (const [index, fault] of this.serverFaults) {
      this.stop(index);
      void fault;
    }
    for (const index of [...this.rollbackSnapshots.keys()]) this.rollbackSnapshots.delete(index); // never restored: heal means the server is fine
    if (!world.server.up) {
      world.server.restart();
      world.record({ t: world.now, type: 'server', action: 'restart', epoch: world.server.core.epoch, instance: world.server.instance });
    }
    for (const client of world.devices) {
      for (const tab of [...client.tabs]) client.closeTab(tab, 'the second tab closed at the heal');
      client.activeFaults.length = 0;
      client.link = client.baseLink;
      client.store.setQuotaFailing(false);
      client.crash = null;
      if (!client.isUp) client.restart();
      setOnline(client, true);
    }
  }
}

/** The device's connectivity changes: its engine and every tab open on it are told. */
function setOnline(client: VirtualClient, online: boolean): void {
  if (client.online === online) return;
  client.online = online;
  client.step({ type: 'connectivity', now: client.clientTime(), online });
  for (const tab of [...client.tabs]) tab.step({ type: 'connectivity', now: tab.clientTime(), online });
}

/** The base link with every active link fault applied on top. */
export function effectiveLink(base: LinkConfig, faults: readonly Fault[]): LinkConfig {
  let link: LinkConfig = base;
  for (const fault of faults) {
    switch (fault.kind) {
      case 'partition':
        link = { ...link, partitioned: 'both' };
        break;
      case 'partition-request':
        link = { ...link, partitioned: link.partitioned === 'response' || link.partitioned === 'both' ? 'both' : 'request' };
        break;
      case 'partition-response':
        link = { ...link, partitioned: link.partitioned === 'request' || link.partitioned === 'both' ? 'both' : 'response' };
        break;
      case 'loss':
        link = { ...link, requestLossPerMille: Math.max(link.requestLossPerMille, fault.param), responseLossPerMille: Math.max(link.responseLossPerMille, fault.param) };
        break;
      case 'duplicate':
        link = { ...link, duplicatePerMille: Math.max(link.duplicatePerMille, fault.param) };
        break;
      case 'reorder':
        link = { ...link, reorderPerMille: Math.max(link.reorderPerMille, fault.param) };
        break;
      case 'latency':
        link = { ...link, latencyMsMin: Math.max(link.latencyMsMin, fault.param >> 1), latencyMsMax: Math.max(link.latencyMsMax, fault.param) };
        break;
      default:
        break;
    }
  }
  return link;
}
