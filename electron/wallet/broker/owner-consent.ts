/**
 * The owner's consent for an agent's request (grants/decide.ts says when): one approval raised
 * and audited, its answer awaited while the agent still waits, and the grant the plan says to
 * create or widen once it is approved.
 */
import type { AgentSummary, Grant } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { ApprovalQueue } from '../approvals/approval-queue.js';
import type { AuditInput } from '../audit/audit-log.js';
import { accountOf, type ConnectionRef } from '../connections/accounts.js';
import { grantAppliesTo, type ConsentAsk, type GrantChange } from '../grants/decide.js';
import type { GrantStore } from '../grants/grant-store.js';

export interface OwnerConsentDeps {
  approvals: Pick<ApprovalQueue, 'raise'>;
  grants: Pick<GrantStore, 'list' | 'create' | 'update'>;
  now: () => number;
  record: (event: AuditInput) => Promise<void>;
  timeoutMs: number;
}

/** Resolves with whether the owner approved with "remember"; throws on anything but approval. */
export async function askOwnerConsent(
  deps: OwnerConsentDeps,
  agent: AgentSummary,
  target: ConnectionRef,
  ask: ConsentAsk,
  signal: AbortSignal,
  base: Record<string, string>,
): Promise<boolean> {
  const { scopes } = ask;
  const { resource } = target;
  const { approval, decision } = deps.approvals.raise(
    { kind: 'consent', agentId: agent.id, agentName: agent.name, resource, ...accountOf(target), scopes, ...(ask.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: ask.lifetimeSeconds }) },
    { timeoutMs: deps.timeoutMs, signal },
  );
  await deps.record({ type: 'approval.raised', ...base, resource, scopes, outcome: 'ok', reason: `consent:${approval.id}` });
  const outcome = await raceAbort(decision, signal);
  await deps.record({
    type: 'approval.decided',
    ...base,
    resource,
    scopes,
    outcome: outcome.status === 'approved' ? 'ok' : 'denied',
    reason: outcome.status,
    actor: outcome.status === 'expired' ? 'timeout' : 'owner',
  });
  if (outcome.status === 'expired') throw new LatchkeyError(ErrorCode.ApprovalTimeout, 'The owner did not answer in time; the request was denied.');
  if (outcome.status !== 'approved') throw new LatchkeyError(ErrorCode.GrantDenied, `The owner denied ${agent.name} access to ${resource}.`);
  return outcome.remember === true;
}

/**
 * The plan's grant change after an approval: widen the live grant (its mode kept or set to
 * allow), or create one (replacing an expired one).
 */
export async function changeGrant(deps: OwnerConsentDeps, agent: AgentSummary, target: ConnectionRef, change: GrantChange, base: Record<string, string>): Promise<Grant> {
  const now = deps.now();
  const { resource } = target;
  const existing = deps.grants.list({ agentId: agent.id, resource }).find((g) => grantAppliesTo(g, agent.id, target, now));
  const grant =
    existing === undefined
      ? await deps.grants.create({
          agentId: agent.id,
          resource,
          ...accountOf(target),
          scopes: change.scopes,
          mode: 'allow',
          ...(change.maxTokenLifetimeSeconds === undefined ? {} : { maxTokenLifetimeSeconds: change.maxTokenLifetimeSeconds }),
        })
      : await deps.grants.update(existing.id, { scopes: [...new Set([...existing.scopes, ...change.scopes])], ...(change.mode === 'keep' ? {} : { mode: 'allow' as const }) });
  await deps.record({ type: 'grant.created', ...base, resource, scopes: grant.scopes, outcome: 'ok', actor: 'owner' });
  return grant;
}

/** The promise's outcome, or AuthorizationCancelled as soon as the caller goes away. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The caller went away.'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The caller went away.'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
