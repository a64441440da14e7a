/**
 * Carrying out a step-up the plan asked for (grants/decide.ts decides when, what is shown and
 * what counts as declined before): an agent needs scopes the owner's connection does not hold,
 * and a refresh can never widen.
 *
 *   ONE 'step-up' approval about THIS AGENT (what it can use now → what it will hold after)
 *   → deny: remembered as declined, StepUpDeclined · no answer in time: ApprovalTimeout (not remembered)
 *   → approve: the connection re-authorizes in the system browser with what it holds and the
 *     requested scopes (bounded by MAX_STEP_UPS), audited as 'step-up.completed'.
 * A refusal on the authorization server's own page counts as a decline too. What is remembered is
 * the set of scopes that were new for this agent, in one place: the remembered answers.
 */
import type { AgentSummary } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import type { ApprovalQueue } from '../approvals/approval-queue.js';
import type { AuditInput } from '../audit/audit-log.js';
import type { ConnectionService } from '../connections/connection-service.js';
import { accountOf } from '../connections/accounts.js';
import type { RememberedAnswers } from '../elicitation/remembered-answers.js';
import { stepUpDeclined, type Refusal, type StepUpAsk } from '../grants/decide.js';

export interface StepUpDeps {
  approvals: ApprovalQueue;
  remembered: Pick<RememberedAnswers, 'declineStepUp'>;
  connections: Pick<ConnectionService, 'widen'>;
  /** Appends to the audit log (never throws). */
  record: (event: AuditInput) => Promise<void>;
  timeoutMs: number;
}

export interface StepUpRequest {
  agent: Pick<AgentSummary, 'id' | 'name'>;
  /** Canonical resource. */
  resource: string;
  /** The account on it (protocol.md T8); absent: its default account. */
  account?: string | undefined;
  ask: StepUpAsk;
  /** Audit fields naming the caller (agent, session). */
  base: Record<string, string>;
  signal: AbortSignal;
}

/** Resolves with the connection's scopes after the re-authorization. */
export async function stepUpForAgent(deps: StepUpDeps, request: StepUpRequest): Promise<string[]> {
  const { agent, resource, ask, signal } = request;
  const connection = { resource, account: request.account };
  const base = { ...request.base, ...accountOf(connection) };
  const { approval, decision } = deps.approvals.raise(
    { kind: 'step-up', agentId: agent.id, agentName: agent.name, resource, ...accountOf(connection), scopes: ask.scopes, currentScopes: ask.currentScopes },
    { timeoutMs: deps.timeoutMs, signal },
  );
  await deps.record({ type: 'approval.raised', ...base, resource, scopes: ask.scopes, outcome: 'ok', reason: `step-up:${approval.id}` });
  const outcome = await decision;
  const withdrawn = outcome.status === 'expired' && signal.aborted;
  await deps.record({
    type: 'approval.decided',
    ...base,
    resource,
    scopes: ask.scopes,
    outcome: outcome.status === 'approved' ? 'ok' : 'denied',
    reason: withdrawn ? 'withdrawn' : outcome.status,
    actor: withdrawn ? 'agent' : outcome.status === 'expired' ? 'timeout' : 'owner',
  });
  if (withdrawn) throw new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The caller went away.');
  if (outcome.status === 'expired') throw new LatchkeyError(ErrorCode.ApprovalTimeout, 'The owner did not answer the step-up in time; the request was denied.');
  if (outcome.status === 'denied') {
    await deps.remembered.declineStepUp(agent.id, resource, ask.newScopes);
    throw refusalError(stepUpDeclined(agent.name, resource, ask, 'now'));
  }

  let widened: { scopes: string[] };
  try {
    widened = await deps.connections.widen(connection, ask.connectionScopes, { signal });
  } catch (error) {
    if (!isLatchkeyError(error, ErrorCode.AccessDenied)) throw error;
    await deps.remembered.declineStepUp(agent.id, resource, ask.newScopes);
    throw refusalError(stepUpDeclined(agent.name, resource, ask, 'at-sign-in'));
  }
  await deps.record({ type: 'step-up.completed', ...base, resource, scopes: widened.scopes, outcome: 'ok', actor: 'owner' });
  return widened.scopes;
}

/** The plan's refusal as the error the agent gets. */
export function refusalError(refusal: Refusal): LatchkeyError {
  return new LatchkeyError(refusal.code, refusal.reason, {
    ...(refusal.hint === undefined ? {} : { hint: refusal.hint }),
    ...(refusal.details === undefined ? {} : { details: refusal.details }),
  });
}
