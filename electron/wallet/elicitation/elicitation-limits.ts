/**
 * Bounds on URL elicitations (threats T15, T33): how often one server may ask through one agent,
 * how often one agent may ask over all its servers, and how often a refusal is written to the
 * audit log, so neither a hostile server nor a hostile agent can flood the owner or the disk, and
 * one agent's flood never uses up another agent's budget.
 */

export interface ElicitationRateLimit {
  /** Most elicitations per key (agent and server, or agent) within `windowMs`. */
  max: number;
  windowMs: number;
}

/** At most 10 elicitations per agent and server in 10 minutes. */
export const DEFAULT_ELICITATION_RATE_LIMIT: ElicitationRateLimit = { max: 10, windowMs: 10 * 60_000 };

/** At most 30 elicitations per agent, over all its servers, in 10 minutes. */
export const DEFAULT_AGENT_ELICITATION_RATE_LIMIT: ElicitationRateLimit = { max: 30, windowMs: 10 * 60_000 };

/** Keys tracked at once; the least recently seen is forgotten first. */
const MAX_TRACKED_KEYS = 1000;

/** A sliding window per key. */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly limit: ElicitationRateLimit) {}

  /** True (and counted) when the key is under its limit at `now`; refusals are not counted. */
  admit(key: string, now: number): boolean {
    const recent = (this.hits.get(key) ?? []).filter((at) => now - at < this.limit.windowMs);
    this.hits.delete(key);
    const admitted = recent.length < this.limit.max;
    if (admitted) recent.push(now);
    if (recent.length > 0) this.hits.set(key, recent);
    forgetOldest(this.hits);
    return admitted;
  }
}

/** Lets at most one event per key through in each interval (the first one). */
export class PerKeyThrottle {
  private readonly last = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  admit(key: string, now: number): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.intervalMs) return false;
    this.last.delete(key);
    this.last.set(key, now);
    forgetOldest(this.last);
    return true;
  }
}

function forgetOldest(map: Map<string, unknown>): void {
  while (map.size > MAX_TRACKED_KEYS) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) return;
    map.delete(oldest);
  }
}
