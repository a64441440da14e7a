/**
 * The agent's requests the elicitation interceptor follows (T15: bounded): each as it went to the
 * server (a retry sends it again), its elicitation rounds, the round under way (so the agent's
 * cancellation can stop it), and a short list of requests the agent withdrew, so that a late
 * answer to one is recognised and dropped.
 */
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

/** Requests followed at once; past it the oldest not in a round is let go (its answers pass, URLs never). */
export const DEFAULT_MAX_TRACKED = 256;
const MAX_CANCELLED = 64;

export class RequestTracker {
  private readonly originals = new Map<RequestId, JSONRPCMessage>();
  private readonly rounds = new Map<RequestId, number>();
  private readonly flows = new Map<RequestId, AbortController>();
  private readonly cancelled = new Set<RequestId>();
  private readonly progress = new Map<RequestId, number>();

  constructor(private readonly maxTracked = DEFAULT_MAX_TRACKED) {}

  /** A request on its way to the server. */
  track(id: RequestId, message: JSONRPCMessage): void {
    this.cancelled.delete(id);
    this.originals.delete(id);
    this.originals.set(id, message);
    this.evict();
  }

  /** The request as it went to the server, while followed. */
  original(id: RequestId): JSONRPCMessage | undefined {
    return this.originals.get(id);
  }

  isTracked(id: RequestId): boolean {
    return this.originals.has(id);
  }

  /** In an elicitation round: the wallet is being asked, or the request waits for the user. */
  inRound(id: RequestId): boolean {
    return this.flows.has(id);
  }

  /** Starts the next round; undefined when the request has had `max` rounds. */
  startRound(id: RequestId, max: number): AbortSignal | undefined {
    const round = (this.rounds.get(id) ?? 0) + 1;
    this.rounds.set(id, round);
    if (round > max) return undefined;
    const controller = new AbortController();
    this.flows.set(id, controller);
    return controller.signal;
  }

  /** The next progress value the proxy sends the agent for this request: 1, 2, 3… across its rounds. */
  nextProgress(id: RequestId): number {
    const next = (this.progress.get(id) ?? 0) + 1;
    this.progress.set(id, next);
    return next;
  }

  /** The round ended with a retry: the request is with the server again. */
  endRound(id: RequestId): void {
    this.flows.delete(id);
  }

  /** The request was answered or withdrawn: everything about it goes (a round under way is stopped). */
  done(id: RequestId): void {
    this.originals.delete(id);
    this.rounds.delete(id);
    this.progress.delete(id);
    this.flows.get(id)?.abort();
    this.flows.delete(id);
  }

  /** The agent withdrew the request. */
  cancel(id: RequestId): void {
    this.done(id);
    this.cancelled.delete(id);
    this.cancelled.add(id);
    if (this.cancelled.size > MAX_CANCELLED) {
      const oldest = this.cancelled.values().next().value;
      if (oldest !== undefined) this.cancelled.delete(oldest);
    }
  }

  wasCancelled(id: RequestId): boolean {
    return this.cancelled.has(id);
  }

  private evict(): void {
    if (this.originals.size <= this.maxTracked) return;
    for (const id of this.originals.keys()) {
      if (this.originals.size <= this.maxTracked) return;
      if (this.flows.has(id)) continue;
      this.originals.delete(id);
      this.rounds.delete(id);
      this.progress.delete(id);
    }
  }
}
