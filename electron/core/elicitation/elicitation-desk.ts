/**
 * The wallet's side of URL elicitation (protocol.md E1–E3, threats T21/E8/E9): a server asks the
 * owner to open a page. The URL is checked (never fetched), the owner decides, and only an
 * approval — or a site the owner allowed for that server — opens it through the Opener. The
 * caller gets the action back, never the URL.
 */
import type { ElicitationRequest, ElicitationResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import type { Clock, Logger, Opener } from '../ports.js';
import { validateOpenUrl } from '../opener/validate.js';
import type { ApprovalQueue } from '../approvals/approval-queue.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { BridgeCaller } from '../bridge/handler.js';

export const DEFAULT_ELICITATION_TIMEOUT_MS = 2 * 60_000;

export interface ElicitationDeskDeps {
  approvals: ApprovalQueue;
  audit: AuditLog;
  policy: UrlPolicy;
  clock: Clock;
  logger: Logger;
  opener: Opener;
  approvalTimeoutMs?: number;
}

export class ElicitationDesk {
  constructor(private readonly deps: ElicitationDeskDeps) {}

  async elicit(caller: BridgeCaller, request: ElicitationRequest, signal: AbortSignal): Promise<ElicitationResponse> {
    const { agent, session } = caller;
    const base = { agentId: agent.id, agentName: agent.name, ...(session === undefined ? {} : { sessionId: session.id }) };
    const url = validateOpenUrl(request.url, this.deps.policy);
    const server = canonicalResource(request.server, this.deps.policy);
    const { approval, decision } = this.deps.approvals.raise(
      { kind: 'url-elicitation', agentId: agent.id, agentName: agent.name, resource: server, url: url.href, message: request.message },
      { timeoutMs: this.deps.approvalTimeoutMs ?? DEFAULT_ELICITATION_TIMEOUT_MS, signal },
    );
    await this.record({ type: 'approval.raised', ...base, resource: server, outcome: 'ok', reason: `url-elicitation:${approval.id}` });
    if (signal.aborted) throw cancelled();
    const outcome = await decision;
    if (signal.aborted) {
      await this.record({ type: 'approval.decided', ...base, resource: server, outcome: 'denied', reason: 'withdrawn', actor: 'agent' });
      throw cancelled();
    }
    await this.record({
      type: 'approval.decided',
      ...base,
      resource: server,
      outcome: outcome.status === 'approved' ? 'ok' : 'denied',
      reason: outcome.status,
      actor: outcome.status === 'expired' ? 'timeout' : 'owner',
    });
    if (outcome.status === 'expired') return { action: 'cancel' };
    if (outcome.status === 'denied') return { action: 'decline' };
    try {
      await this.deps.opener.open(url);
    } catch (error) {
      this.deps.logger.error('could not open an approved elicitation URL', { approval: approval.id, reason: error instanceof Error ? error.name : 'unknown' });
      return { action: 'cancel' };
    }
    return { action: 'accept' };
  }

  /** Appends to the audit log; a failure is logged, never turned into a different answer. */
  private async record(event: Parameters<AuditLog['append']>[0]): Promise<void> {
    try {
      await this.deps.audit.append(event);
    } catch (error) {
      this.deps.logger.error('audit append failed', { type: event.type, reason: error instanceof Error ? error.message : 'unknown' });
    }
  }
}

function cancelled(): LatchkeyError {
  return new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The caller went away.');
}
