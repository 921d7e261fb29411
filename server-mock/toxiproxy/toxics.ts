// What each toxic does to one direction of one connection, as plans: given a chunk (or the end
// of the stream) and the time, a toxic returns the steps to take — emit these bytes at t, close
// at t, reset at t. Pure apart from the injected random; link.ts carries the plans out.
// Semantics follow Toxiproxy's toxics/*.go (see the notes on each).

import { randomBelow, type Random } from './random.ts';
import type { Toxic } from './spec.ts';

export type Step =
  | { readonly kind: 'data'; readonly atMs: number; readonly bytes: Buffer; readonly stampMs: number }
  | { readonly kind: 'end'; readonly atMs: number }
  | { readonly kind: 'reset'; readonly atMs: number };

export interface Behaviour {
  /** A step armed when the toxic starts on a link, independent of data (timeout's close), or null. */
  deadline(nowMs: number): Step | null;
  /** `stampMs` is when the chunk entered the proxy (latency counts from it). */
  onData(bytes: Buffer, stampMs: number, nowMs: number): Step[];
  onEnd(nowMs: number): Step[];
}

/** Per-link state that survives a toxic's update (Go's StatefulToxic): limit_data's count. */
export interface StageMemory {
  bytesTransmitted: number;
}

const data = (bytes: Buffer, atMs: number, stampMs: number): Step => ({ kind: 'data', atMs, bytes, stampMs });
const end = (atMs: number): Step => ({ kind: 'end', atMs });

const passthrough: Behaviour = {
  deadline: () => null,
  onData: (bytes, stampMs, nowMs) => [data(bytes, nowMs, stampMs)],
  onEnd: (nowMs) => [end(nowMs)],
};

/**
 * The behaviour of `toxic` on a link, or passthrough when the toxicity roll misses.
 * One draw per start, as Go's ToxicStub.Run does on every (re)start of a toxic.
 */
export function behaviourFor(toxic: Toxic, random: Random, memory: StageMemory): Behaviour {
  if (!(random() < toxic.toxicity)) return passthrough;
  const a = toxic.attributes;
  const attr = (name: string): number => a[name] ?? 0;
  switch (toxic.type) {
    case 'latency':
      return latency(attr('latency'), attr('jitter'), random);
    case 'bandwidth':
      return attr('rate') > 0 ? bandwidth(attr('rate')) : passthrough;
    case 'slow_close':
      return { ...passthrough, onEnd: (nowMs) => [end(nowMs + attr('delay'))] };
    case 'timeout':
      return timeout(attr('timeout'));
    case 'slicer':
      return slicer(attr('average_size'), attr('size_variation'), attr('delay') / 1000, random);
    case 'reset_peer':
      return resetPeer(attr('timeout'));
    case 'limit_data':
      return limitData(attr('bytes'), memory);
  }
}

/** Each chunk leaves latency ± jitter ms after it entered (jitter drawn in [-jitter, jitter)). */
function latency(latencyMs: number, jitterMs: number, random: Random): Behaviour {
  return {
    ...passthrough,
    onData: (bytes, stampMs, nowMs) => {
      const delayMs = latencyMs + (jitterMs > 0 ? randomBelow(random, 2 * jitterMs) - jitterMs : 0);
      const atMs = Math.max(nowMs, stampMs + delayMs);
      return [data(bytes, atMs, atMs)];
    },
  };
}

/** rate KB/s (1 KB = 1000 bytes, as Go's len·ms/rate): big chunks go out in 100 ms slices of rate·100 bytes. */
function bandwidth(rateKBps: number): Behaviour {
  const sliceBytes = rateKBps * 100;
  return {
    ...passthrough,
    onData: (bytes, stampMs, nowMs) => {
      const steps: Step[] = [];
      let owedMs = bytes.length / rateKBps;
      let atMs = nowMs;
      let rest = bytes;
      while (rest.length > sliceBytes) {
        atMs += 100;
        owedMs -= 100;
        steps.push(data(rest.subarray(0, sliceBytes), atMs, stampMs));
        rest = rest.subarray(sliceBytes);
      }
      steps.push(data(rest, atMs + Math.max(0, owedMs), stampMs));
      return steps;
    },
  };
}

/** Drops all data; closes after timeoutMs (0: never, until the toxic is removed). */
function timeout(timeoutMs: number): Behaviour {
  return {
    deadline: (nowMs) => (timeoutMs > 0 ? end(nowMs + timeoutMs) : null),
    onData: () => [],
    onEnd: (nowMs) => [end(nowMs)],
  };
}

/** On the first chunk (or the end), waits timeoutMs and resets both sockets; that chunk is dropped. */
function resetPeer(timeoutMs: number): Behaviour {
  const reset = (nowMs: number): Step[] => [{ kind: 'reset', atMs: nowMs + timeoutMs }];
  return { deadline: () => null, onData: (_bytes, _stampMs, nowMs) => reset(nowMs), onEnd: reset };
}

/** Passes `limitBytes` in all (counted across updates), then closes. */
function limitData(limitBytes: number, memory: StageMemory): Behaviour {
  return {
    ...passthrough,
    onData: (bytes, stampMs, nowMs) => {
      const allowed = Math.max(0, limitBytes - memory.bytesTransmitted);
      const piece = bytes.subarray(0, allowed);
      memory.bytesTransmitted += piece.length;
      const steps = piece.length > 0 ? [data(piece, nowMs, stampMs)] : [];
      if (memory.bytesTransmitted >= limitBytes) steps.push(end(nowMs));
      return steps;
    },
  };
}

function slicer(averageSize: number, sizeVariation: number, delayMs: number, random: Random): Behaviour {
  return {
    ...passthrough,
    onData: (bytes, stampMs, nowMs) => {
      const cuts = sliceOffsets(bytes.length, averageSize, sizeVariation, random);
      const steps: Step[] = [];
      for (let i = 1; i < cuts.length; i++) {
        steps.push(data(bytes.subarray(cuts[i - 1], cuts[i]), nowMs + (i - 1) * delayMs, stampMs));
      }
      return steps;
    },
  };
}

/**
 * Cut points [0, …, length] splitting `length` bytes into slices of about averageSize ±
 * sizeVariation, halving recursively as Go's SlicerToxic.chunk does (no small-slice bias at
 * either end). Cuts are clamped inside the range, where Go could go out of it and panic.
 */
export function sliceOffsets(length: number, averageSize: number, sizeVariation: number, random: Random): number[] {
  const cuts = [0];
  const pending: Array<[number, number]> = [[0, length]];
  while (pending.length > 0) {
    const [start, stop] = pending.pop()!;
    if (stop - start - averageSize <= sizeVariation || stop - start < 2) {
      if (stop > start) cuts.push(stop);
      continue;
    }
    const shift = sizeVariation > 0 ? randomBelow(random, 2 * sizeVariation) - sizeVariation : 0;
    const mid = Math.min(stop - 1, Math.max(start + 1, start + Math.floor((stop - start) / 2) + shift));
    pending.push([mid, stop], [start, mid]); // left half first: it is popped next
  }
  return cuts;
}
