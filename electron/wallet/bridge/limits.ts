/**
 * Size, time and rate caps of the bridge (threats T13, T15), and the per-caller token bucket.
 */
import type { Clock } from '../../base/ports.js';

export interface BridgeLimits {
  /** Largest request head (request line + headers), bytes. Larger → 431. */
  maxHeaderBytes: number;
  /** Largest request body, bytes. Larger → 413, without reading it. */
  maxBodyBytes: number;
  /** Time allowed for the request head to arrive (slowloris). */
  headersTimeoutMs: number;
  /** Time allowed for the whole request (head and body) to arrive; not the handler's answer. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** How often the server looks for requests past their time limits. */
  timeoutCheckIntervalMs: number;
  /** Open connections per listener; more are dropped on accept. */
  maxConnections: number;
  /** Sustained requests per second per agent (and for enrolment, across all callers). */
  ratePerSecond: number;
  /** Requests an agent may send in a burst. */
  rateBurst: number;
}

export const DEFAULT_BRIDGE_LIMITS: Readonly<BridgeLimits> = {
  maxHeaderBytes: 8 * 1024,
  maxBodyBytes: 16 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  timeoutCheckIntervalMs: 1_000,
  maxConnections: 4_096,
  ratePerSecond: 20,
  rateBurst: 40,
};

export function resolveLimits(overrides: Partial<BridgeLimits> = {}): BridgeLimits {
  const limits = { ...DEFAULT_BRIDGE_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`bridge limit ${name} must be a positive number`);
  }
  return limits;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Every allowed request's decision: one object, not one per request. */
const ALLOWED: RateDecision = Object.freeze({ allowed: true });

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets kept before idle (full) ones are forgotten. */
const PRUNE_AT = 10_000;

/** A token bucket per key: `burst` tokens, refilled at `perSecond`. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {}

  take(key: string): RateDecision {
    const now = this.clock.now();
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return ALLOWED;
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)) };
  }

  private refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= PRUNE_AT) this.forgetFullBuckets(now);
      bucket = { tokens: this.burst, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.perSecond);
    bucket.updatedAt = now;
    return bucket;
  }

  private forgetFullBuckets(now: number): void {
    const fullAfterMs = (this.burst / this.perSecond) * 1000;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt >= fullAfterMs) this.buckets.delete(key);
    }
  }
}
