/**
 * Enrolment by an unknown caller (threats T12, T32, T33): the bridge has already refused TCP and
 * other OS users and named the process at the other end of its Unix socket. The desk raises one
 * 'enrolment' approval showing that process (pid, program, working directory, or "requester
 * unknown"), counted against the enrolment budget of the queue, waits for the owner, and only on
 * approval enrols the agent and returns its secret (once). Every step is audited.
 */
import type { EnrolRequest } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EnrolRequester } from '../bridge/peer.js';
import type { ApprovalOutcome, ApprovalQueue } from './approval-queue.js';

/** How long the owner has to approve an enrolment. */
export const DEFAULT_ENROLMENT_TIMEOUT_MS = 2 * 60_000;

export interface EnrolmentDeskDeps {
  approvals: Pick<ApprovalQueue, 'raise'>;
  agents: Pick<AgentRegistry, 'enrol'>;
  audit: Pick<AuditLog, 'record'>;
  /** Default DEFAULT_ENROLMENT_TIMEOUT_MS. */
  approvalTimeoutMs?: number;
}

export interface Enrolled {
  agentId: string;
  name: string;
  secret: string;
}

export class EnrolmentDesk {
  constructor(private readonly deps: EnrolmentDeskDeps) {}

  async enrol(request: EnrolRequest, signal: AbortSignal, requester: EnrolRequester): Promise<Enrolled> {
    const { approval, decision } = this.deps.approvals.raise(
      { kind: 'enrolment', agentName: request.name, requesterKey: requester.key, ...(requester.shown === undefined ? {} : { requester: requester.shown }) },
      { timeoutMs: this.deps.approvalTimeoutMs ?? DEFAULT_ENROLMENT_TIMEOUT_MS, signal },
    );
    await this.deps.audit.record({ type: 'approval.raised', agentName: request.name, outcome: 'ok', reason: `enrolment:${approval.id}` });
    const outcome = await raceAbort(decision, signal);
    await this.deps.audit.record({
      type: 'approval.decided',
      agentName: request.name,
      outcome: outcome.status === 'approved' ? 'ok' : 'denied',
      reason: outcome.status,
      actor: outcome.status === 'expired' ? 'timeout' : 'owner',
    });
    if (outcome.status !== 'approved') {
      throw new LatchkeyError(outcome.status === 'expired' ? ErrorCode.ApprovalTimeout : ErrorCode.GrantDenied, `The owner did not enrol "${request.name}".`);
    }
    const { agent, secret } = await this.deps.agents.enrol(request.name, request.kind === undefined ? {} : { kind: request.kind });
    await this.deps.audit.record({ type: 'agent.enrolled', agentId: agent.id, agentName: agent.name, outcome: 'ok', actor: 'owner' });
    return { agentId: agent.id, name: agent.name, secret };
  }
}

/** The decision, or AuthorizationCancelled as soon as the caller goes away (the queue withdraws the approval). */
function raceAbort(decision: Promise<ApprovalOutcome>, signal: AbortSignal): Promise<ApprovalOutcome> {
  const cancelled = (): LatchkeyError => new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The caller went away.');
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<ApprovalOutcome>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    void decision.then((outcome) => {
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    });
  });
}
