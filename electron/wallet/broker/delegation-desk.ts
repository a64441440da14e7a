/**
 * POST /v1/sessions/delegate (`latchkey run --delegate`, threat T40): a session hands a slice of
 * its access to a sub-agent. The slice must be held for real: every resource has a live grant of
 * the agent, every scope is in those grants (and, the registry checks, within the parent's bounds
 * and remaining lifetime). Wider is refused with what is wider; nothing is narrowed silently.
 */
import type { Grant, SessionBounds } from '../../../shared/agents.js';
import type { DelegateRequest, DelegateResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import type { Clock } from '../../base/ports.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { BridgeCaller } from '../bridge/handler.js';
import type { GrantStore } from '../grants/grant-store.js';
import { chainOf } from './session-bounds.js';

export interface DelegationDeskDeps {
  agents: Pick<AgentRegistry, 'delegateSession' | 'lineage'>;
  grants: Pick<GrantStore, 'list'>;
  audit: Pick<AuditLog, 'record'>;
  policy: UrlPolicy;
  clock: Clock;
}

function wider(what: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.DelegationWider, `A delegated session cannot have more than its agent holds: ${what}.`, {
    hint: 'Ask for a subset of the grants `latchkey whoami` lists, or ask the owner to widen a grant.',
  });
}

export class DelegationDesk {
  constructor(private readonly deps: DelegationDeskDeps) {}

  async delegate(caller: BridgeCaller, request: DelegateRequest): Promise<DelegateResponse> {
    const parent = caller.session;
    if (parent === undefined) {
      throw new LatchkeyError(ErrorCode.DelegationNeedsSession, 'Only a session started by `latchkey run` can delegate.', {
        hint: 'Run the agent under `latchkey run --agent NAME -- <command>`, then `latchkey run --delegate` inside it.',
      });
    }
    const bounds = this.checkAgainstGrants(caller.agent.id, request);
    const { session, secret } = await this.deps.agents.delegateSession(parent.id, {
      bounds,
      ttlSeconds: request.ttl_seconds,
      pid: request.pid,
      ...(request.command === undefined ? {} : { command: request.command }),
    });
    await this.deps.audit.record({
      type: 'session.started',
      agentId: caller.agent.id,
      agentName: caller.agent.name,
      sessionId: session.id,
      ...(bounds.scopes === undefined ? {} : { scopes: bounds.scopes }),
      chain: chainOf(caller.agent.name, this.deps.agents.lineage(session.id)),
      outcome: 'ok',
      reason: 'delegated',
      actor: 'agent',
    });
    return { session: { id: session.id, expires_at: Math.floor(session.expiresAt / 1000), parent_id: parent.id }, secret };
  }

  /** Resources canonical and granted, scopes within those grants: the bounds to store. */
  private checkAgainstGrants(agentId: string, request: DelegateRequest): SessionBounds {
    const now = this.deps.clock.now();
    const live = this.deps.grants.list({ agentId }).filter((grant: Grant) => grant.expiresAt === undefined || grant.expiresAt > now);
    const resources = request.resources === undefined ? undefined : [...new Set(request.resources.map((url) => canonicalResource(url, this.deps.policy)))];
    const ungranted = (resources ?? []).filter((resource) => !live.some((grant) => grant.resource === resource));
    if (ungranted.length > 0) throw wider(`no grant for ${ungranted.join(', ')}`);
    const inReach = resources === undefined ? live : live.filter((grant) => resources.includes(grant.resource));
    const scopes = request.scopes === undefined ? undefined : [...new Set(request.scopes)];
    const held = new Set(inReach.flatMap((grant) => grant.scopes));
    const unheld = (scopes ?? []).filter((scope) => !held.has(scope));
    if (unheld.length > 0) throw wider(`the scopes ${unheld.join(' ')} are not granted${resources === undefined ? '' : ' there'}`);
    return { ...(resources === undefined ? {} : { resources }), ...(scopes === undefined ? {} : { scopes }) };
  }
}
