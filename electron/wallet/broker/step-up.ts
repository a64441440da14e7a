/**
 * Step-up for agents (issue 5, T3): an agent asks for scopes the owner's connection does not hold
 * (typically after its server answered 403 insufficient_scope), and a refresh can never widen.
 *
 *   any scope new for this agent declined before (agent, resource)? → StepUpDeclined at once, no prompt
 *   → ONE 'step-up' approval about THIS AGENT: what it can use now (currentScopes: its grant's
 *     scopes the connection holds, [] without a grant) → what it will hold after (grant ∪
 *     requested). Every scope it gains is shown as new, including one its grant already names but
 *     the connection lacks, so the two lists are never the same.
 *   → deny: remembered, StepUpDeclined · no answer in time: ApprovalTimeout (not remembered)
 *   → approve: the connection re-authorizes in the system browser with connection ∪ requested
 *     (bounded by MAX_STEP_UPS), audited as 'step-up.completed'; the caller then widens the
 *     agent's grant to what the owner was shown (approving is consent for this agent, "remember"
 *     or not) and mints its token.
 *
 * What is remembered on a decline is the set of scopes that were new for this agent (requested
 * minus what it could use). A later step-up whose new scopes overlap any of them (not only a superset)
 * is refused without a prompt, so rewording the request cannot get the owner asked again.
 * A refusal on the authorization server's own page counts as a decline too.
 */
import type { AgentSummary } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import type { ApprovalQueue } from '../approvals/approval-queue.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ConnectionService } from '../connections/connection-service.js';
import type { RememberedAnswers } from '../elicitation/remembered-answers.js';

type AuditInput = Parameters<AuditLog['append']>[0];

export interface StepUpDeps {
  approvals: ApprovalQueue;
  remembered: Pick<RememberedAnswers, 'isStepUpDeclined' | 'declineStepUp'>;
  connections: Pick<ConnectionService, 'widen'>;
  /** Appends to the audit log (never throws). */
  record: (event: AuditInput) => Promise<void>;
  timeoutMs: number;
}

export interface StepUpRequest {
  agent: Pick<AgentSummary, 'id' | 'name'>;
  /** Canonical resource. */
  resource: string;
  /** The connection's scopes now. */
  current: readonly string[];
  /** The scopes of the agent's live grant now ([] without one). */
  agentScopes: readonly string[];
  /** What the agent asks for; at least one scope is not in `current`. */
  requested: readonly string[];
  /** Audit fields naming the caller (agent, session). */
  base: Record<string, string>;
  signal: AbortSignal;
}

export interface StepUpResult {
  /** The connection's scopes after the re-authorization. */
  scopes: string[];
}

/** The scopes of `wanted` that `held` lacks, in order. */
export function missingScopes(held: readonly string[], wanted: readonly string[]): string[] {
  return [...new Set(wanted)].filter((scope) => !held.includes(scope));
}

export async function stepUpForAgent(deps: StepUpDeps, request: StepUpRequest): Promise<StepUpResult> {
  const { agent, resource, current, agentScopes, requested, base, signal } = request;
  // What the agent can use now: its grant, as far as the connection holds it.
  const usable = agentScopes.filter((scope) => current.includes(scope));
  // What is new for this agent (shown as new, remembered on a decline), not only for the connection.
  const extra = missingScopes(usable, requested);
  // Scopes already in the agent's grant that the connection lacks: only a re-authorization adds them.
  const reconnect = extra.every((scope) => agentScopes.includes(scope)) ? [...new Set([...current, ...extra])] : undefined;
  if (deps.remembered.isStepUpDeclined(agent.id, resource, extra)) throw declined(agent.name, resource, extra, 'before', reconnect);

  const after = [...new Set([...agentScopes, ...requested])];
  const union = [...new Set([...current, ...requested])];
  const { approval, decision } = deps.approvals.raise(
    { kind: 'step-up', agentId: agent.id, agentName: agent.name, resource, scopes: after, currentScopes: usable },
    { timeoutMs: deps.timeoutMs, signal },
  );
  await deps.record({ type: 'approval.raised', ...base, resource, scopes: after, outcome: 'ok', reason: `step-up:${approval.id}` });
  const outcome = await decision;
  const withdrawn = outcome.status === 'expired' && signal.aborted;
  await deps.record({
    type: 'approval.decided',
    ...base,
    resource,
    scopes: after,
    outcome: outcome.status === 'approved' ? 'ok' : 'denied',
    reason: withdrawn ? 'withdrawn' : outcome.status,
    actor: withdrawn ? 'agent' : outcome.status === 'expired' ? 'timeout' : 'owner',
  });
  if (withdrawn) throw new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The caller went away.');
  if (outcome.status === 'expired') throw new LatchkeyError(ErrorCode.ApprovalTimeout, 'The owner did not answer the step-up in time; the request was denied.');
  if (outcome.status === 'denied') {
    await deps.remembered.declineStepUp(agent.id, resource, extra);
    throw declined(agent.name, resource, extra, 'now', reconnect);
  }

  let widened: { scopes: string[] };
  try {
    widened = await deps.connections.widen(resource, union, { signal });
  } catch (error) {
    if (!isLatchkeyError(error, ErrorCode.AccessDenied)) throw error;
    await deps.remembered.declineStepUp(agent.id, resource, extra);
    throw declined(agent.name, resource, extra, 'at-sign-in', reconnect);
  }
  await deps.record({ type: 'step-up.completed', ...base, resource, scopes: widened.scopes, outcome: 'ok', actor: 'owner' });
  return { scopes: widened.scopes };
}

function declined(agentName: string, resource: string, extra: readonly string[], when: 'before' | 'now' | 'at-sign-in', reconnect: readonly string[] | undefined): LatchkeyError {
  const what = `more access to ${resource} (${extra.join(' ')}) for ${agentName}`;
  const message =
    when === 'before'
      ? `The owner declined ${what} before; Latchkey does not ask again.`
      : when === 'now'
        ? `The owner declined ${what}.`
        : `The owner declined ${what} on the sign-in page.`;
  return new LatchkeyError(ErrorCode.StepUpDeclined, message, {
    // Adding to the grant scopes it already names changes nothing: the connection must hold them.
    hint: reconnect !== undefined
      ? `Carry on without it. The owner can re-authorize the connection with them: latchkey connect ${resource} --scope "${reconnect.join(' ')}"`
      : 'Carry on without it. The owner can add these scopes to the agent\'s grant by hand, which lets it ask again.',
    details: { resource },
  });
}
