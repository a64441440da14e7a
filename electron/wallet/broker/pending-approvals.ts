/**
 * What a waiting agent may learn about its own approvals (GET /v1/approvals/pending): id, kind,
 * server, scopes and expiry of the pending approvals raised for its agent id. Never another
 * agent's, never an enrolment, never a page's URL or the server's message (the agent must not
 * learn the URL it handed over was opened, or see text meant for the owner).
 */
import { PendingApproval, type PendingApprovalsResponse } from '../../../shared/bridge.js';
import type { Approval } from '../../../shared/agents.js';
import type { BridgeCaller } from '../bridge/handler.js';

/** At most this many are listed (an agent's budgets keep it far lower). */
const MAX_LISTED = 64;

export function pendingApprovalsFor(caller: BridgeCaller, pending: readonly Approval[]): PendingApprovalsResponse {
  const approvals: PendingApproval[] = [];
  for (const approval of pending) {
    if (approval.status !== 'pending' || approval.agentId !== caller.agent.id) continue;
    const parsed = PendingApproval.safeParse({
      id: approval.id,
      kind: approval.kind,
      agent_name: approval.agentName,
      ...(approval.resource === undefined ? {} : { resource: approval.resource }),
      ...(approval.scopes === undefined ? {} : { scopes: [...approval.scopes] }),
      expires_at: Math.floor(approval.expiresAt / 1000),
    });
    if (parsed.success) approvals.push(parsed.data);
    if (approvals.length >= MAX_LISTED) break;
  }
  return { approvals };
}
