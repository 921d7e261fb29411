// Metrics split by release over a real rolling-upgrade run: the rows add up to the whole run,
// clients move from v1 to v2 at their upgrade, and the card appears only for a mixed fleet.

import { describe, expect, it } from 'vitest';
import { scenarioByName, scenarioRun } from '../scenarios/catalogue.ts';
import { runSimulation } from '../sim/runner.ts';
import { buildSimConfig } from '../sim/config.ts';
import { LATEST_SCHEMA_VERSION } from '../engine/schema/index.ts';
import { releaseBreakdown, renderReleaseCard } from './releases.ts';
import { renderRunReport } from './html.ts';
import { computeMetrics } from './metrics.ts';

describe('metrics by release', () => {
  const { config, plan } = scenarioRun(scenarioByName('rolling-upgrade'), 3);
  const result = runSimulation({ config, plan });
  const { history } = result;
  const rows = releaseBreakdown(history, config.release.client);
  const upgraded = new Set(plan.faults.filter((f) => f.kind === 'client-upgrade').map((f) => f.client));

  it('has a v1 and a v2 row whose counts add up to the run', () => {
    expect(rows.map((r) => r.release)).toEqual(['v1', 'v2']);
    const invoked = history.events.filter((e) => e.type === 'invoke').length;
    expect(rows[0]!.opsInvoked + rows[1]!.opsInvoked).toBe(invoked);
    expect(rows[0]!.opsInvoked).toBeGreaterThan(0);
    expect(rows[1]!.opsInvoked).toBeGreaterThan(0);
  });

  it('moves each upgraded client to v2 and keeps the others on v1', () => {
    expect(upgraded.size).toBeGreaterThan(0);
    expect(rows[1]!.clientsAtEnd).toBe(upgraded.size);
    expect(rows[0]!.clientsAtEnd).toBe(config.clients - upgraded.size);
    expect(rows[0]!.clientsEver).toBe(config.clients);
    expect(rows[1]!.clientsEver).toBe(upgraded.size);
    // Every migration step is v2's (v1 never migrates): v1 → latest, one step per version, per upgraded client.
    expect(rows[0]!.migrationSteps).toBe(0);
    expect(rows[1]!.migrationSteps).toBe(history.events.filter((e) => e.type === 'migrate').length);
    expect(rows[1]!.migrationSteps).toBe((LATEST_SCHEMA_VERSION - 1) * upgraded.size);
  });

  it('renders a card for a mixed fleet and nothing for a single release', () => {
    const card = renderReleaseCard(rows);
    expect(card).toContain('id="releases"');
    expect((card.match(/<tr>/g) ?? []).length).toBe(3);
    const single = runSimulation({ config: buildSimConfig({ seed: 1, clients: 4, teamSize: 2, durationMs: 60_000 }) });
    const singleRows = releaseBreakdown(single.history, 'v2');
    expect(singleRows.map((r) => r.release)).toEqual(['v2']);
    expect(renderReleaseCard(singleRows)).toBe('');
  });

  it('is part of the run report of a rolling upgrade', () => {
    const html = renderRunReport({ title: 'rolling upgrade', result, metrics: computeMetrics(history), replayCommand: 'npx syncstorm run --scenario rolling-upgrade --seed 3', generatedBy: 'test' });
    expect(html).toContain('<section class="card" id="releases"><h2>By release</h2>');
  });
});
