// The per-link network model (DESIGN §5 network faults): latency distributions, loss of
// requests or responses, duplication, reordering and asymmetric partitions, as pure decisions
// drawn from an Rng. Integer milliseconds only; the caller schedules the deliveries.

import type { Rng } from './rng.ts';

export const LATENCY_DISTRIBUTIONS = ['uniform', 'exponential', 'pareto-tail'] as const;
export type LatencyDistribution = (typeof LATENCY_DISTRIBUTIONS)[number];
export const PARTITION_KINDS = ['none', 'request', 'response', 'both'] as const;
export type PartitionKind = (typeof PARTITION_KINDS)[number];
export type Direction = 'request' | 'response';

export const LATENCY_MS_LIMIT = 60 * 60 * 1000;

export interface LinkConfig {
  readonly latencyMsMin: number;
  readonly latencyMsMax: number;
  /** 'pareto-tail': most deliveries near the minimum, a heavy tail reaching the maximum. */
  readonly latencyDistribution: LatencyDistribution;
  readonly requestLossPerMille: number;
  readonly responseLossPerMille: number;
  /** The message arrives twice, each copy with its own latency. */
  readonly duplicatePerMille: number;
  /** The message is held back long enough that one sent shortly after overtakes it. */
  readonly reorderPerMille: number;
  /** Which direction the link drops entirely: asymmetric partitions drop only one. */
  readonly partitioned: PartitionKind;
}

export type DeliveryDecision =
  | { readonly kind: 'drop'; readonly reason: 'loss' | 'partition' }
  | { readonly kind: 'deliver'; readonly delaysMs: readonly number[] };

/** A healthy link: no faults, typical mobile latency with a tail. */
export const DEFAULT_LINK: LinkConfig = Object.freeze({
  latencyMsMin: 10,
  latencyMsMax: 400,
  latencyDistribution: 'pareto-tail',
  requestLossPerMille: 0,
  responseLossPerMille: 0,
  duplicatePerMille: 0,
  reorderPerMille: 0,
  partitioned: 'none',
});

const PER_MILLE_FIELDS = ['requestLossPerMille', 'responseLossPerMille', 'duplicatePerMille', 'reorderPerMille'] as const;

function fail(field: string, value: unknown, expectation: string): never {
  throw new Error(`${field} should be ${expectation}, got ${JSON.stringify(value) ?? String(value)}`);
}

function requireInteger(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, value, `an integer from ${min} to ${max}`);
  }
}

function requireOneOf(field: string, value: unknown, allowed: readonly string[]): void {
  if (typeof value !== 'string' || !allowed.includes(value)) fail(field, value, `one of ${allowed.join(', ')}`);
}

/** Fills defaults from DEFAULT_LINK, validates every field, and returns a frozen config. */
export function buildLinkConfig(partial: Partial<LinkConfig> = {}): LinkConfig {
  const cfg: LinkConfig = { ...DEFAULT_LINK, ...partial };
  requireInteger('latencyMsMin', cfg.latencyMsMin, 0, LATENCY_MS_LIMIT);
  requireInteger('latencyMsMax', cfg.latencyMsMax, cfg.latencyMsMin, LATENCY_MS_LIMIT);
  requireOneOf('latencyDistribution', cfg.latencyDistribution, LATENCY_DISTRIBUTIONS);
  for (const field of PER_MILLE_FIELDS) requireInteger(field, cfg[field], 0, 1000);
  requireOneOf('partitioned', cfg.partitioned, PARTITION_KINDS);
  return Object.freeze(cfg);
}

const DROP_LOSS: DeliveryDecision = Object.freeze({ kind: 'drop', reason: 'loss' });
const DROP_PARTITION: DeliveryDecision = Object.freeze({ kind: 'drop', reason: 'partition' });

/**
 * Decides one message's fate. Draw order is fixed (loss, duplicate, reorder, latencies) and
 * each chance() consumes one draw whatever its rate, so tuning one rate keeps the others' draws.
 */
export function decideDelivery(cfg: LinkConfig, direction: Direction, rng: Rng): DeliveryDecision {
  const partitioned = cfg.partitioned;
  if (partitioned === 'both' || partitioned === direction) return DROP_PARTITION;
  const lossPerMille = direction === 'request' ? cfg.requestLossPerMille : cfg.responseLossPerMille;
  if (rng.chance(lossPerMille)) return DROP_LOSS;
  const duplicated = rng.chance(cfg.duplicatePerMille);
  const reordered = rng.chance(cfg.reorderPerMille);
  let delayMs = sampleLatencyMs(cfg, rng);
  if (reordered) delayMs += reorderExtraMs(cfg, rng);
  if (!duplicated) return { kind: 'deliver', delaysMs: [delayMs] };
  return { kind: 'deliver', delaysMs: [delayMs, sampleLatencyMs(cfg, rng)] };
}

/**
 * Extra hold-back of a reordered message: more than the latency spread plus 1 ms, so any
 * message sent at least 1 ms later (and up to about latencyMsMax later) arrives strictly first.
 */
export function reorderExtraMs(cfg: LinkConfig, rng: Rng): number {
  const spreadMs = cfg.latencyMsMax - cfg.latencyMsMin;
  return spreadMs + 1 + rng.int(1, Math.max(1, cfg.latencyMsMax));
}

/** One latency in [latencyMsMin, latencyMsMax], integer ms, from the configured distribution. */
export function sampleLatencyMs(cfg: LinkConfig, rng: Rng): number {
  const min = cfg.latencyMsMin;
  const spreadMs = cfg.latencyMsMax - min;
  switch (cfg.latencyDistribution) {
    case 'uniform':
      return rng.int(min, cfg.latencyMsMax);
    case 'exponential':
      return min + Math.min(spreadMs, Math.floor(truncatedExponential(spreadMs, rng.float())));
    case 'pareto-tail':
      return min + Math.min(spreadMs, Math.floor(boundedParetoExcess(spreadMs, rng.float())));
  }
}

/** Inverse CDF of an exponential with mean spread/3, truncated to [0, spread]. */
function truncatedExponential(spreadMs: number, u: number): number {
  if (spreadMs === 0) return 0;
  const meanMs = spreadMs / 3;
  return -meanMs * Math.log(1 - u * (1 - Math.exp(-spreadMs / meanMs)));
}

/** Shape 1.16: the 80/20 rule. The scale puts the median near 3 % of the spread. */
const PARETO_ALPHA = 1.16;
const PARETO_SCALE_DIVISOR = 32;

/** The tail mass of the last spread sampled: links share a few spreads, and Math.pow is a libm call per message. */
let tailMassSpreadMs = -1;
let tailMassOfSpread = 0;

/** Inverse CDF of a Pareto bounded to [scale, scale + spread], minus scale: in [0, spread]. */
function boundedParetoExcess(spreadMs: number, u: number): number {
  if (spreadMs === 0) return 0;
  const low = Math.max(1, spreadMs / PARETO_SCALE_DIVISOR);
  if (spreadMs !== tailMassSpreadMs) {
    tailMassOfSpread = 1 - Math.pow(low / (low + spreadMs), PARETO_ALPHA);
    tailMassSpreadMs = spreadMs;
  }
  return low * Math.pow(1 - u * tailMassOfSpread, -1 / PARETO_ALPHA) - low;
}
