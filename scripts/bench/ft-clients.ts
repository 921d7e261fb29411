// The fake-timers baseline's world: one ServerCore, and per client a real SyncEngine with
// MemoryStorage, ManualConnectivity, systemClock/systemTimers (faked by the caller's
// FakeTimers.install) and an in-process transport that waits a seeded latency — the
// simulator's default link shape — with setTimeout before the request and before the answer.

import { MemoryStorage } from '../../engine/adapters/memory-storage.ts';
import { ManualConnectivity, systemClock, systemTimers } from '../../engine/adapters/real.ts';
import { SyncEngine } from '../../engine/engine.ts';
import type { EventSinkPort, TransportOutcome, TransportPort } from '../../engine/ports.ts';
import type { SyncEvent } from '../../engine/events.ts';
import { ServerCore } from '../../server-mock/core/index.ts';
import { inProcessLink } from '../../server-mock/in-process.ts';
import { teamOf, userOfTeam } from '../../sim/config.ts';
import { buildLinkConfig, sampleLatencyMs, type LinkConfig } from '../../sim/link.ts';
import { RngStreams, type Rng } from '../../sim/rng.ts';
import type { SimConfig } from '../../sim/types.ts';

/** As the simulator's server: tokens live an hour, so clients refresh them as they do there. */
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

export interface FakeTimersWorld {
  readonly server: ServerCore;
  readonly engines: readonly SyncEngine[];
  /** Every engine event, kept as the simulator keeps its history (so neither side skips that cost). */
  readonly events: SyncEvent[];
}

function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

/** `inner` behind a network: request latency, the server call, response latency. */
export function latencyTransport(inner: TransportPort, link: LinkConfig, rng: Rng): TransportPort {
  const across = async <T>(call: () => Promise<TransportOutcome<T>>): Promise<TransportOutcome<T>> => {
    await sleep(sampleLatencyMs(link, rng));
    const outcome = await call();
    await sleep(sampleLatencyMs(link, rng));
    return outcome;
  };
  return {
    push: (request, token) => across(() => inner.push(request, token)),
    pull: (query, token) => across(() => inner.pull(query, token)),
  };
}

/** Opens every client's engine; call with the fake clock installed (engines arm timers at once). */
export async function openWorld(config: SimConfig): Promise<FakeTimersWorld> {
  const streams = new RngStreams(config.seed);
  const tokenRng = streams.stream('tokens');
  const server = ServerCore.fresh({ random: () => tokenRng.float(), tokenLifetimeMs: TOKEN_LIFETIME_MS }, 'e1');
  const link = buildLinkConfig(config.link);
  const networkRng = streams.stream('network');
  const events: SyncEvent[] = [];
  const sink: EventSinkPort = { emit: (event) => void events.push(event) };
  const engines: SyncEngine[] = [];
  for (let i = 0; i < config.clients; i++) {
    const rng = streams.stream(`client/${i}`);
    const user = userOfTeam(teamOf(i, config.teamSize));
    const wire = inProcessLink(() => server, user, () => Date.now());
    const ports = {
      clock: systemClock,
      timers: systemTimers,
      random: { float: () => rng.float() },
      storage: new MemoryStorage(),
      transport: latencyTransport(wire.transport, link, networkRng),
      connectivity: new ManualConnectivity(true),
      tokens: wire.tokens,
      events: sink,
    };
    engines.push(await SyncEngine.open({ ...config.engine, clientId: `c${i}` }, ports));
  }
  return { server, engines, events };
}
