// Per-user rate limit of the sync endpoints: a token bucket per user holding one second's worth
// of requests (burst = rate), refilled continuously. A refused request learns how long until a
// token is back, which becomes its Retry-After. Time is injected (the app's clock).

/** Most users tracked at once; beyond it, buckets that are full again are dropped. */
const BUCKETS_MAX = 10_000;

interface Bucket {
  tokens: number;
  atMs: number;
}

export class RateLimiter {
  readonly #perSecond: number;
  readonly #buckets = new Map<string, Bucket>();

  /** `perSecond` 0 turns the limit off. */
  constructor(perSecond: number) {
    if (!Number.isSafeInteger(perSecond) || perSecond < 0) throw new Error(`requestsPerSecondPerUser should be an integer >= 0, got ${String(perSecond)}`);
    this.#perSecond = perSecond;
  }

  /** 0 when `user` may go on (a token is taken), else the wait in ms until it may. */
  take(user: string, nowMs: number): number {
    const rate = this.#perSecond;
    if (rate === 0) return 0;
    let bucket = this.#buckets.get(user);
    if (bucket === undefined) {
      if (this.#buckets.size >= BUCKETS_MAX) this.#prune(nowMs);
      bucket = { tokens: rate, atMs: nowMs };
      this.#buckets.set(user, bucket);
    }
    // A clock that steps back refills nothing (and takes nothing away).
    const elapsedMs = Math.max(0, nowMs - bucket.atMs);
    bucket.tokens = Math.min(rate, bucket.tokens + (elapsedMs * rate) / 1000);
    bucket.atMs = Math.max(bucket.atMs, nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / rate);
  }

  #prune(nowMs: number): void {
    for (const [user, bucket] of this.#buckets) {
      if (bucket.tokens + (Math.max(0, nowMs - bucket.atMs) * this.#perSecond) / 1000 >= this.#perSecond) this.#buckets.delete(user);
    }
    // Everyone busy: forget the oldest half rather than grow without bound.
    if (this.#buckets.size >= BUCKETS_MAX) {
      let drop = this.#buckets.size / 2;
      for (const user of this.#buckets.keys()) {
        if (drop-- <= 0) break;
        this.#buckets.delete(user);
      }
    }
  }
}
