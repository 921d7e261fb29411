// What a fault's param means, in words: the report's fault table showed the bare integer (265,
// 26972, 74889), whose unit depends on the kind. The plan draws it (sim/plan.ts drawParam) and
// the nemesis reads it (sim/nemesis.ts); this says what the nemesis does with it.

import { crashOfParam, type CrashTarget } from '../sim/client.ts';
import { clientUpgradeOfParam, serverReleaseOfParam } from '../sim/releases.ts';
import type { FaultKind } from '../sim/types.ts';
import { formatMs } from './format.ts';

/** The step an armed crash cuts (sim/client.ts CRASH_TARGETS). */
const CRASH_STEPS: Readonly<Record<CrashTarget, string>> = {
  any: 'the next step',
  write: 'the next local write',
  'pull-result': "the next pull's answer",
  'push-result': "the next push's answer",
};

/** `26.5 %` for 265 per mille. */
function perMille(value: number): string {
  return `${value % 10 === 0 ? value / 10 : (value / 10).toFixed(1)} %`;
}

function signedMs(ms: number): string {
  return `${ms < 0 ? '−' : '+'}${formatMs(Math.abs(ms))}`;
}

/** The setting of one fault, e.g. `26.5 % of requests answered 5xx`; null for kinds without one (a partition, a rollback…). */
export function describeFaultSetting(kind: FaultKind, param: number): string | null {
  switch (kind) {
    case 'loss':
      return `${perMille(param)} of requests and of responses dropped`;
    case 'duplicate':
      return `${perMille(param)} of messages delivered twice`;
    case 'reorder':
      return `${perMille(param)} of messages held back`;
    case 'latency':
      return `latency ${formatMs(param >> 1)} to ${formatMs(param)}`;
    case 'server-5xx':
      return `${perMille(param)} of requests answered 5xx`;
    case 'permanent-error':
      return `${perMille(param)} of items refused for good`;
    case 'item-busy':
      return `${perMille(param)} of items answered busy (retryable)`;
    case 'commit-then-fail':
      return `${perMille(param || 1000)} of pushes applied, then answered 500`;
    case 'server-429':
      return `429, Retry-After ${formatMs(param)}`;
    case 'server-413':
      return `pushes of more than ${Math.max(1, param)} item${Math.max(1, param) === 1 ? '' : 's'} refused (413)`;
    case 'server-slow':
      return `answers delayed ${formatMs(param)}`;
    case 'clock-step':
      return `clock jumps ${signedMs(param)}`;
    case 'clock-drift':
      return `drift ${param < 0 ? '−' : '+'}${Math.abs(param)} ppm`;
    case 'client-crash': {
      const { afterEffects, target } = crashOfParam(param);
      return `crash after ${afterEffects} effect${afterEffects === 1 ? '' : 's'} of ${CRASH_STEPS[target]}`;
    }
    case 'client-upgrade': {
      const { release, crashBeforeStep } = clientUpgradeOfParam(param);
      return crashBeforeStep === 0 ? `to ${release.name}` : `to ${release.name}, crash before migration step ${crashBeforeStep}`;
    }
    case 'server-upgrade': {
      const release = serverReleaseOfParam(param);
      return `${release.name}: protocol ${release.protocolVersions.min}–${release.protocolVersions.max}`;
    }
    case 'partition':
    case 'partition-request':
    case 'partition-response':
    case 'offline':
    case 'token-expiry':
    case 'server-crash':
    case 'server-rollback':
    case 'server-failover':
    case 'storage-quota':
      return null;
    case 'second-tab':
      return 'both tabs sync the one store; the person writes in the new one';
  }
}

/** The setting as a suffix for a line about the fault: ` (26.5 % of requests answered 5xx)`, or nothing. */
export function faultSettingSuffix(kind: FaultKind, param: number): string {
  const setting = describeFaultSetting(kind, param);
  return setting === null ? '' : ` (${setting})`;
}
