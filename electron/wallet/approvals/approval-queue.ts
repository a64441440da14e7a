/**
 * Decisions waiting for the owner (consent, enrolment, step-up, URL elicitation), in memory. The
 * window, the tray and the CLI read and decide them; the asker waits on a promise.
 *
 * - Budgets, so no requester can starve another's prompts (T15, T33); over one, a raise fails with
 *   RateLimited, which the bridge turns into 429:
 *     - at most one pending approval per (kind, agent, resource);
 *     - at most `maxPendingPerAgentKind` of one kind per agent (an agent's page flood stays its own);
 *     - enrolments (unknown callers) have their own budget: one per requester (the peer process,
 *       else the name) and `maxPendingEnrolments` in all. An enrolment flood never takes an
 *       enrolled agent's place, and agents' prompts never take an enrolment's;
 *     - `maxPending` over all agents' prompts, a backstop one agent alone cannot reach.
 * - No decision in time → 'expired', which callers treat as a refusal (T15).
 * - Ids are random and single use: unknown, decided or expired ids → ApprovalNotFound (T16).
 */
import { Approval, type ApprovalKind, type ApprovalRequester, type ApprovalStatus } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { systemScheduler, type Scheduler, type TimerHandle } from '../../base/async/deferred-writes.js';
import { newId } from '../../base/ids.js';
import { silentLogger } from '../../base/log/logger.js';
import { systemClock, type Clock, type Logger } from '../../base/ports.js';
import { TypedEvents, type Unsubscribe } from '../../base/async/typed-events.js';

export interface RaiseInput {
  kind: ApprovalKind;
  /** Absent for an enrolment request from an unknown caller. */
  agentId?: string;
  /** What the owner sees: the enrolled name, or the name an unknown caller proposes. */
  agentName: string;
  resource?: string;
  /** consent and step-up: the account on that server (protocol.md T8); absent: its default account. */
  account?: string | undefined;
  scopes?: readonly string[];
  /** step-up: the scopes held now (`scopes` is the union wanted). */
  currentScopes?: readonly string[];
  lifetimeSeconds?: number;
  /** url-elicitation: the page to open and the server's message. */
  url?: string;
  message?: string;
  /** enrolment: the requesting process, shown to the owner (absent: unknown). */
  requester?: ApprovalRequester;
  /** enrolment: who asks, for its budget (the peer process or connection); default: the proposed name. */
  requesterKey?: string;
}

export interface RaiseOptions {
  /** How long the owner has; then the approval expires (a refusal). */
  timeoutMs: number;
  /** Aborting withdraws the approval (the asker went away). */
  signal?: AbortSignal;
}

export interface ApprovalOutcome {
  status: 'approved' | 'denied' | 'expired';
  /** Approved with "remember": the caller creates or widens a grant. */
  remember: boolean;
}

export type Verdict = 'approve' | 'deny';

export interface ApprovalEvents extends Record<string, unknown> {
  raised: Approval;
  /** Also emitted when an approval expires or is withdrawn (status 'expired'). */
  decided: Approval;
}

export interface ApprovalQueueOptions {
  clock?: Clock;
  scheduler?: Scheduler;
  logger?: Logger;
  /** Most pending approvals of enrolled agents at once, over all of them (a backstop). Default 256. */
  maxPending?: number;
  /** Most pending approvals of one kind for one agent. Default 8. */
  maxPendingPerAgentKind?: number;
  /** Most pending enrolments at once, over all requesters. Default 3. */
  maxPendingEnrolments?: number;
  /** Decided approvals kept for list(). Default 100. */
  historyLimit?: number;
}

interface Pending {
  approval: Approval;
  key: string;
  budget: string;
  timer: TimerHandle;
  settle: (outcome: ApprovalOutcome) => void;
  detach: () => void;
}

function notFound(): LatchkeyError {
  return new LatchkeyError(ErrorCode.ApprovalNotFound, 'No pending approval has that id. It may have been decided already or expired.', {
    hint: 'See pending approvals with `latchkey approvals`.',
  });
}

function whoOf(input: RaiseInput): string {
  if (input.kind === 'enrolment' && input.requesterKey !== undefined) return `requester:${input.requesterKey}`;
  return input.agentId === undefined ? `name:${input.agentName}` : `id:${input.agentId}`;
}

function keyOf(input: RaiseInput): string {
  return JSON.stringify([input.kind, whoOf(input), input.resource ?? '', input.account ?? '']);
}

const ENROLMENTS = 'enrolments';

/** Which budget an approval counts against: all enrolments share one; each agent has one per kind. */
function budgetOf(input: RaiseInput): string {
  return input.kind === 'enrolment' ? ENROLMENTS : JSON.stringify([input.kind, whoOf(input)]);
}

function busy(message: string, retryAfterSeconds: number): LatchkeyError {
  return new LatchkeyError(ErrorCode.RateLimited, message, {
    hint: 'Wait for the owner to decide what is pending before asking again.',
    details: { retryAfterSeconds },
  });
}

function freeze(approval: Approval): Approval {
  if (approval.scopes !== undefined) Object.freeze(approval.scopes);
  if (approval.currentScopes !== undefined) Object.freeze(approval.currentScopes);
  if (approval.requester !== undefined) Object.freeze(approval.requester);
  return Object.freeze(approval);
}

export class ApprovalQueue {
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly maxPending: number;
  private readonly maxPerAgentKind: number;
  private readonly maxEnrolments: number;
  private readonly historyLimit: number;
  private readonly pending = new Map<string, Pending>();
  private readonly pendingByKey = new Map<string, string>();
  private readonly pendingByBudget = new Map<string, number>();
  private readonly history = new Map<string, Approval>();
  private readonly events: TypedEvents<ApprovalEvents>;

  constructor(options: ApprovalQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.maxPending = options.maxPending ?? 256;
    this.maxPerAgentKind = options.maxPendingPerAgentKind ?? 8;
    this.maxEnrolments = options.maxPendingEnrolments ?? 3;
    this.historyLimit = options.historyLimit ?? 100;
    const logger = options.logger ?? silentLogger;
    this.events = new TypedEvents<ApprovalEvents>(() => logger.warn('An approval listener failed.'));
  }

  raise(input: RaiseInput, options: RaiseOptions): { approval: Approval; decision: Promise<ApprovalOutcome> } {
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new LatchkeyError(ErrorCode.InvalidInput, 'An approval needs a positive timeout.');
    }
    const key = keyOf(input);
    const budget = budgetOf(input);
    this.checkBudgets(key, budget);
    const now = this.clock.now();
    const parsed = Approval.safeParse({
      id: newId('apr'),
      kind: input.kind,
      ...(input.agentId === undefined ? {} : { agentId: input.agentId }),
      agentName: input.agentName,
      ...(input.resource === undefined ? {} : { resource: input.resource }),
      ...(input.account === undefined ? {} : { account: input.account }),
      ...(input.scopes === undefined ? {} : { scopes: [...input.scopes] }),
      ...(input.currentScopes === undefined ? {} : { currentScopes: [...input.currentScopes] }),
      ...(input.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: input.lifetimeSeconds }),
      ...(input.url === undefined ? {} : { url: input.url }),
      ...(input.message === undefined ? {} : { message: input.message }),
      ...(input.requester === undefined ? {} : { requester: { ...input.requester } }),
      createdAt: now,
      expiresAt: now + options.timeoutMs,
      status: 'pending',
    });
    if (!parsed.success) throw new LatchkeyError(ErrorCode.InvalidInput, 'The approval request is not valid.');
    const approval = freeze(parsed.data);

    let settle: (outcome: ApprovalOutcome) => void = () => undefined;
    const decision = new Promise<ApprovalOutcome>((resolve) => {
      settle = resolve;
    });
    const timer = this.scheduler.setTimeout(() => this.expire(approval.id), options.timeoutMs);
    const onAbort = (): void => this.expire(approval.id);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const detach = (): void => options.signal?.removeEventListener('abort', onAbort);
    this.pending.set(approval.id, { approval, key, budget, timer, settle, detach });
    this.pendingByKey.set(key, approval.id);
    this.pendingByBudget.set(budget, (this.pendingByBudget.get(budget) ?? 0) + 1);
    this.events.emit('raised', approval);
    if (options.signal?.aborted === true) this.expire(approval.id);
    return { approval, decision };
  }

  /** The owner's decision. Single use: unknown, decided or expired ids → ApprovalNotFound. */
  decide(id: string, verdict: Verdict, options: { remember?: boolean } = {}): Approval {
    const entry = this.pending.get(id);
    if (entry === undefined) throw notFound();
    if (this.clock.now() >= entry.approval.expiresAt) {
      this.expire(id);
      throw notFound();
    }
    const approved = verdict === 'approve';
    const remember = approved && options.remember === true;
    return this.settle(entry, approved ? 'approved' : 'denied', remember);
  }

  /** Withdraws a pending approval (its asker went away). Unknown ids are ignored. */
  withdraw(id: string): void {
    this.expire(id);
  }

  get(id: string): Approval | undefined {
    return this.pending.get(id)?.approval ?? this.history.get(id);
  }

  /** Pending first (oldest first), then decided ones (newest first). */
  list(filter: { status?: ApprovalStatus } = {}): Approval[] {
    const pending = [...this.pending.values()].map((entry) => entry.approval);
    const decided = [...this.history.values()].reverse();
    return [...pending, ...decided].filter((approval) => filter.status === undefined || approval.status === filter.status);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  on<K extends keyof ApprovalEvents>(event: K, listener: (approval: ApprovalEvents[K]) => void): Unsubscribe {
    return this.events.on(event, listener);
  }

  /** Expires every pending approval (their askers get 'expired'). */
  close(): void {
    for (const id of [...this.pending.keys()]) this.expire(id);
  }

  /** Throws RateLimited when the key already waits, or its budget (or the backstop) is full. */
  private checkBudgets(key: string, budget: string): void {
    const waiting = this.pendingByKey.get(key);
    const current = waiting === undefined ? undefined : this.pending.get(waiting);
    if (current !== undefined) {
      throw busy('A request like this is already waiting for the owner.', Math.max(1, Math.ceil((current.approval.expiresAt - this.clock.now()) / 1000)));
    }
    const inBudget = this.pendingByBudget.get(budget) ?? 0;
    if (budget === ENROLMENTS) {
      if (inBudget >= this.maxEnrolments) throw busy('Too many enrolment requests are waiting for the owner.', 5);
      return;
    }
    if (inBudget >= this.maxPerAgentKind) throw busy('Too many requests of this agent are waiting for the owner.', 5);
    if (this.pending.size - (this.pendingByBudget.get(ENROLMENTS) ?? 0) >= this.maxPending) throw busy('Too many requests are waiting for the owner.', 5);
  }

  private expire(id: string): void {
    const entry = this.pending.get(id);
    if (entry !== undefined) this.settle(entry, 'expired', false);
  }

  private settle(entry: Pending, status: ApprovalOutcome['status'], remember: boolean): Approval {
    this.scheduler.clearTimeout(entry.timer);
    entry.detach();
    this.pending.delete(entry.approval.id);
    if (this.pendingByKey.get(entry.key) === entry.approval.id) this.pendingByKey.delete(entry.key);
    const left = (this.pendingByBudget.get(entry.budget) ?? 1) - 1;
    if (left > 0) this.pendingByBudget.set(entry.budget, left);
    else this.pendingByBudget.delete(entry.budget);
    const decided = freeze({
      ...entry.approval,
      ...(entry.approval.scopes === undefined ? {} : { scopes: [...entry.approval.scopes] }),
      status,
      decidedAt: this.clock.now(),
      ...(remember ? { remembered: true } : {}),
    });
    this.keep(decided);
    entry.settle({ status, remember });
    this.events.emit('decided', decided);
    return decided;
  }

  private keep(approval: Approval): void {
    this.history.set(approval.id, approval);
    while (this.history.size > this.historyLimit) {
      const oldest = this.history.keys().next().value;
      if (oldest === undefined) break;
      this.history.delete(oldest);
    }
  }
}
