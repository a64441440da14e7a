/**
 * The plans of recent hand-outs, so an agent asking again for the same thing skips planning: the
 * account target, the connection's state, the grants and grants/decide.ts. An agent with a cached
 * token asks over and over; its plan changes only when what the plan read changes, and a kept plan
 * is used only while none of that has:
 * - the wallet's state: grants, connections, agents and their sessions, agents' own clients and
 *   remembered answers all live in the one vault document, which is immutable and replaced on
 *   every write (vault.ts), so "the same document" means "nothing changed";
 * - the owner's revocations in memory (owner-revocations.ts), counted by their version;
 * - the clock: a plan is kept only until the earliest expiry among the agent's grants for the
 *   server, the only thing in a plan that time changes, and not at all once the clock reads
 *   earlier than when it was made (a clock stepped back revives expired grants).
 * Only plans that issue are kept: a refusal or a question to the owner is planned afresh each time,
 * and a request that reports a refused token (heed-refusal.ts) is never answered from here.
 */
import type { SessionSummary } from '../../../shared/agents.js';
import type { ConnectionRef } from '../connections/accounts.js';
import type { Issue } from '../grants/decide.js';

/** What a kept plan holds: everything the hand-out needs after planning. */
export interface KeptPlan {
  target: ConnectionRef;
  /** The audit's agent, session and account members. */
  audited: Readonly<Record<string, string>>;
  plan: Issue;
  lineage: readonly SessionSummary[];
}

interface Entry {
  kept: KeptPlan;
  /** Epoch ms: when the plan was made, and the earliest expiry among the grants it read (Infinity: none expires). */
  madeAt: number;
  validUntil: number;
}

/** At most this many plans are kept; past it they are all dropped (a new document drops them too). */
const MAX_PLANS = 4096;

export interface PlanRequest {
  agentId: string;
  sessionId: string | undefined;
  /** Canonical. */
  resource: string;
  account: string | undefined;
  scopes: readonly string[] | undefined;
}

export class PlanMemo {
  private readonly plans = new Map<string, Entry>();
  private state: object | undefined;
  private revocations = -1;

  /**
   * The kept plan for `request`, if the wallet's state is still `state` (the vault document) and the
   * revocations still at `revocations`, and none of its grants has expired by `now`.
   */
  get(key: string, state: object, revocations: number, now: number): KeptPlan | undefined {
    if (state !== this.state || revocations !== this.revocations) {
      this.plans.clear();
      this.state = state;
      this.revocations = revocations;
      return undefined;
    }
    const entry = this.plans.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.validUntil || now < entry.madeAt) {
      this.plans.delete(key);
      return undefined;
    }
    return entry.kept;
  }

  /**
   * Keeps a plan made at `now` from `state` and `revocations` (as read by the `get` before it),
   * frozen: every later request gets the same objects.
   */
  keep(key: string, state: object, revocations: number, kept: KeptPlan, now: number, validUntil: number): void {
    if (state !== this.state || revocations !== this.revocations) return;
    if (this.plans.size >= MAX_PLANS) this.plans.clear();
    this.plans.set(key, { kept: freezePlan(kept), madeAt: now, validUntil });
  }
}

function freezePlan(kept: KeptPlan): KeptPlan {
  Object.freeze(kept.plan.scopes);
  Object.freeze(kept.plan);
  Object.freeze(kept.target);
  Object.freeze(kept.audited);
  for (const session of kept.lineage) Object.freeze(session);
  Object.freeze(kept.lineage);
  return Object.freeze(kept);
}

/**
 * The request's key: every member with its length before it, so no two requests share a key
 * whatever their members hold (the broker does not rely on the bridge's schema for that).
 */
export function planKey(request: PlanRequest): string {
  let key = `${member(request.agentId)}${member(request.sessionId)}${member(request.resource)}${member(request.account)}`;
  if (request.scopes === undefined) return `${key}-`;
  key += `${request.scopes.length}=`;
  for (const scope of request.scopes) key += member(scope);
  return key;
}

/** `undefined` as `-`, a string as its length, `:` and itself. */
function member(value: string | undefined): string {
  return value === undefined ? '-' : `${value.length}:${value}`;
}
