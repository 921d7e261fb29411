// The admin API of the HTTP mock, under /__admin/ and off the sync path (no faults, no rate
// limit, no auth: the mock binds 127.0.0.1 by default). Faults, a state summary, reset to a
// fresh state and snapshot/restore (rollback) — each reset or restore gets a new epoch, so
// clients detect it — and the accepted protocol versions (a rollout step, no restart).

import express, { type Express } from 'express';
import type { ProtocolVersionRange } from '../../engine/protocol.ts';
import { cloneServerState, freshServerState, protocolVersionRangeProblem, restoreServerState, ServerCore, type ServerState } from '../core/index.ts';
import { durable, type AppContext } from './context.ts';
import { sendError } from './errors.ts';
import { checkFaultSettings, NO_FAULTS } from './faults.ts';

/** Snapshots kept for restore; the oldest is dropped beyond this. */
const SNAPSHOTS_MAX = 16;

export interface StateSummary {
  readonly epoch: string;
  readonly seq: number;
  readonly tokenCount: number;
  readonly tokens: number;
  readonly users: readonly { readonly user: string; readonly changes: number; readonly entities: number; readonly deleted: number }[];
  readonly entities: number;
}

export function stateSummary(state: ServerState): StateSummary {
  let entitiesTotal = 0;
  const users = [...state.users].map(([user, space]) => {
    let deleted = 0;
    for (const entity of space.entities.values()) if (entity.deleted) deleted += 1;
    entitiesTotal += space.entities.size;
    return { user, changes: space.log.length, entities: space.entities.size, deleted };
  });
  return { epoch: state.epoch, seq: state.seq, tokenCount: state.tokenCount, tokens: state.tokens.size, users, entities: entitiesTotal };
}

/** Makes `state` the live one: a new core over it, persisted from now on. */
function replaceState(ctx: AppContext, state: ServerState): void {
  ctx.core = new ServerCore(state, ctx.core.options);
  ctx.store?.replaceState(state);
}

export function adminRoutes(ctx: AppContext, app: Express): void {
  const json = express.json({ limit: ctx.limits.bodyBytesMax, type: () => true, strict: true });
  const snapshots = new Map<string, ServerState>();
  let snapshotCount = 0;

  app.get('/__admin/faults', (_req, res) => {
    res.json(ctx.faults);
  });

  // PUT replaces the whole settings: a field left out is 0 (no fault).
  app.put('/__admin/faults', json, (req, res) => {
    const checked = checkFaultSettings(req.body, NO_FAULTS);
    if (!checked.ok) {
      sendError(res, 400, { error: 'bad_request', field: checked.field, message: checked.message });
      return;
    }
    ctx.faults = checked.settings;
    res.json(ctx.faults);
  });

  app.get('/__admin/protocol', (_req, res) => {
    res.json(ctx.core.options.protocolVersions);
  });

  // PUT {min, max}: the versions accepted from the next request on; a reset or restore keeps them.
  app.put('/__admin/protocol', json, (req, res) => {
    const problem = protocolVersionRangeProblem(req.body, '');
    if (problem !== null) {
      sendError(res, 400, { error: 'bad_request', field: problem.field, message: problem.message });
      return;
    }
    ctx.core.setProtocolVersions(req.body as ProtocolVersionRange);
    res.json(ctx.core.options.protocolVersions);
  });

  app.get('/__admin/state', (_req, res) => {
    res.json(stateSummary(ctx.core.state));
  });

  app.post('/__admin/reset', async (_req, res) => {
    replaceState(ctx, freshServerState(ctx.newEpoch()));
    if (!(await durable(ctx, res))) return;
    res.json({ epoch: ctx.core.epoch });
  });

  app.post('/__admin/snapshot', async (_req, res) => {
    if (!(await durable(ctx, res))) return;
    snapshotCount += 1;
    const id = `s${snapshotCount}`;
    snapshots.set(id, cloneServerState(ctx.core.state));
    if (snapshots.size > SNAPSHOTS_MAX) snapshots.delete(snapshots.keys().next().value as string);
    res.json({ snapshot: id, epoch: ctx.core.epoch, seq: ctx.core.state.seq });
  });

  app.post('/__admin/restore', json, async (req, res) => {
    const body: unknown = req.body;
    const id = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['snapshot'] : undefined;
    const snapshot = typeof id === 'string' ? snapshots.get(id) : undefined;
    if (snapshot === undefined) {
      const known = [...snapshots.keys()].join(', ') || 'none';
      sendError(res, 400, { error: 'bad_request', field: 'snapshot', message: `snapshot should name a snapshot taken by POST /__admin/snapshot (known: ${known}), got ${JSON.stringify(id) ?? 'undefined'}` });
      return;
    }
    let epoch = ctx.newEpoch();
    while (epoch === snapshot.epoch || epoch === ctx.core.epoch) epoch = `${epoch}r`;
    replaceState(ctx, restoreServerState(snapshot, epoch));
    if (!(await durable(ctx, res))) return;
    res.json({ epoch: ctx.core.epoch, seq: ctx.core.state.seq });
  });
}
