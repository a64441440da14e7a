/**
 * What the bridge's refusals may add to the audit log (T37). A refusal of a caller that did not
 * authenticate, or of one that is rate limited, is never an entry of its own: it is counted, and
 * once per interval each (reason, listener, agent) that was counted becomes one `bridge.rejected`
 * entry with its `count`. An authenticated agent's other refusals stay individual entries, up to a
 * budget per agent and in all per interval; beyond it they are counted too.
 *
 * So per interval the log gains at most `maxKeys + 2` summaries (the two catch-all keys, one per
 * listener, take what does not fit) plus `individualTotal` single entries, whatever callers do.
 */
import { ErrorCode } from '../../../shared/errors.js';
import type { Scheduler, TimerHandle } from '../../base/async/deferred-writes.js';
import type { AuditInput } from './audit-log.js';

export interface BridgeRefusal {
  /** The refusal's error code. */
  reason: string;
  /** The listener. */
  transport: 'unix' | 'tcp';
  /** Set when the caller authenticated before it was refused. */
  agentId?: string;
}

export interface RejectionSummaryOptions {
  /** How often counted refusals are written. Default 60 s. */
  intervalMs?: number;
  /** Distinct (reason, listener, agent) counted per interval before they share a catch-all. Default 16. */
  maxKeys?: number;
  /** An authenticated agent's refusals written one by one per interval. Default 5. */
  individualPerAgent?: number;
  /** All agents' refusals written one by one per interval. Default 20. */
  individualTotal?: number;
}

export const DEFAULT_SUMMARY_INTERVAL_MS = 60_000;
/** The catch-all summary's reason: refusals of several reasons, past `maxKeys`. */
export const MIXED_REASON = 'bridge.mixed';

interface Key {
  reason: string;
  transport: BridgeRefusal['transport'];
  agentId: string | undefined;
}

interface Counted extends Key {
  count: number;
}

export class RejectionSummaries {
  private readonly intervalMs: number;
  private readonly maxKeys: number;
  private readonly individualPerAgent: number;
  private readonly individualTotal: number;
  private counted = new Map<string, Counted>();
  private writtenPerAgent = new Map<string, number>();
  private writtenTotal = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly write: (input: AuditInput) => void,
    private readonly scheduler: Scheduler,
    options: RejectionSummaryOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_SUMMARY_INTERVAL_MS;
    this.maxKeys = options.maxKeys ?? 16;
    this.individualPerAgent = options.individualPerAgent ?? 5;
    this.individualTotal = options.individualTotal ?? 20;
  }

  /** Writes the refusal now (within budget) or counts it for the next summary. */
  note(refusal: BridgeRefusal): void {
    this.arm();
    const { agentId } = refusal;
    if (agentId !== undefined && refusal.reason !== ErrorCode.RateLimited && this.takeBudget(agentId)) {
      this.write({ type: 'bridge.rejected', outcome: 'denied', reason: refusal.reason, agentId, actor: refusal.transport });
      return;
    }
    this.count(refusal);
  }

  /** Writes one summary per counted key and starts a new interval. */
  flush(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
    const counted = [...this.counted.values()];
    this.counted = new Map();
    this.writtenPerAgent = new Map();
    this.writtenTotal = 0;
    for (const { reason, transport, agentId, count } of counted) {
      this.write({ type: 'bridge.rejected', outcome: 'denied', reason, actor: transport, ...(agentId === undefined ? {} : { agentId }), count });
    }
  }

  /** Stops the timer without writing (the log is closing and flushed already). */
  stop(): void {
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.intervalMs);
  }

  private takeBudget(agentId: string): boolean {
    const used = this.writtenPerAgent.get(agentId) ?? 0;
    if (used >= this.individualPerAgent || this.writtenTotal >= this.individualTotal) return false;
    this.writtenPerAgent.set(agentId, used + 1);
    this.writtenTotal += 1;
    return true;
  }

  /** Counts under its own key, else without its agent, else (past `maxKeys`) under the catch-all. */
  private count(refusal: BridgeRefusal): void {
    const candidates: Key[] = [
      { reason: refusal.reason, transport: refusal.transport, agentId: refusal.agentId },
      { reason: refusal.reason, transport: refusal.transport, agentId: undefined },
    ];
    const fits = candidates.find((candidate) => this.counted.has(keyOf(candidate)) || this.counted.size < this.maxKeys);
    const key = fits ?? { reason: MIXED_REASON, transport: refusal.transport, agentId: undefined };
    const entry = this.counted.get(keyOf(key));
    if (entry !== undefined) entry.count += 1;
    else this.counted.set(keyOf(key), { ...key, count: 1 });
  }
}

function keyOf(key: Key): string {
  return JSON.stringify([key.reason, key.transport, key.agentId ?? null]);
}
