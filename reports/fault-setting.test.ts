// The fault table's Setting column: each kind's param in words, with its unit.

import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../sim/types.ts';
import { clientUpgradeParam } from '../sim/releases.ts';
import { describeFaultSetting, faultSettingSuffix } from './fault-setting.ts';

describe('describeFaultSetting', () => {
  it.each([
    ['loss', 265, '26.5 % of requests and of responses dropped'],
    ['reorder', 400, '40 % of messages held back'],
    ['server-5xx', 900, '90 % of requests answered 5xx'],
    ['commit-then-fail', 0, '100 % of pushes applied, then answered 500'],
    ['latency', 3_000, 'latency 1.5 s to 3.0 s'],
    ['server-slow', 26_972, 'answers delayed 27.0 s'],
    ['server-429', 20_000, '429, Retry-After 20.0 s'],
    ['server-413', 1, 'pushes of more than 1 item refused (413)'],
    ['clock-step', -74_889, 'clock jumps −74.9 s'],
    ['clock-step', 10_800_000, 'clock jumps +3.0 h'],
    ['clock-drift', -54, 'drift −54 ppm'],
    ['client-crash', 3 | (2 << 3), "crash after 3 effects of the next pull's answer"],
    ['client-crash', 1, 'crash after 1 effect of the next step'],
    ['client-upgrade', clientUpgradeParam('v2', 2), 'to v2, crash before migration step 2'],
    ['server-upgrade', 0, 'v1: protocol 1–1'],
    ['server-rollback', 0, null],
  ] as const)('%s %d: %s', (kind, param, text) => {
    expect(describeFaultSetting(kind, param)).toBe(text);
  });

  it('says something for every kind with a param, and nothing for those without', () => {
    const without = ['partition', 'partition-request', 'partition-response', 'offline', 'token-expiry', 'server-crash', 'server-rollback', 'server-failover', 'storage-quota'];
    for (const kind of FAULT_KINDS) {
      if (without.includes(kind)) expect(describeFaultSetting(kind, 1), kind).toBeNull();
      else expect(describeFaultSetting(kind, 1), kind).toMatch(/\S/);
    }
  });

  it('as a suffix: the setting in parentheses, nothing for a kind without one', () => {
    expect(faultSettingSuffix('server-429', 20_000)).toBe(' (429, Retry-After 20.0 s)');
    expect(faultSettingSuffix('partition', 0)).toBe('');
  });
});
