/**
 * Owner changes and the live events they cause. Every change the owner makes (a contract method
 * whose `changes` is not empty, and `connect`) writes one audit entry through `OwnerChanges`,
 * as the owner and without secrets (never a client secret, an agent secret or a token); the
 * window's `changed` events follow from audit entries by WHAT_CHANGED, so a change that is
 * audited is also live. Changes nobody asked for by a call (an approval's remembered grant, a
 * session whose runner died) reach the window the same way.
 */
import type { AuditEvent, AuditType } from '../../shared/agents.js';
import type { ChangedCollection, WalletEvent } from '../../shared/api.js';
import type { ApprovalQueue } from './approvals/approval-queue.js';
import type { AuditInput, AuditLog } from './audit/audit-log.js';
import { revokedFacts } from './broker/revoke-tokens.js';
import type { RemovedAgent, RevokedGrant } from './broker/token-broker.js';

/** Which collections an audit entry of each type changed: the window reads them again. */
export const WHAT_CHANGED: Partial<Record<AuditType, readonly ChangedCollection[]>> = {
  'site.allowed': ['allowed-sites'],
  'site.removed': ['allowed-sites'],
  'connection.connected': ['connections'],
  'connection.disconnected': ['connections'],
  'connection.migrated': ['connections'],
  'connection.sign_in_needed': ['connections'],
  'token.refreshed': ['connections'],
  'client.set': ['clients'],
  'client.removed': ['clients'],
  'enterprise.set': ['clients'],
  'enterprise.signed_in': ['clients'],
  'enterprise.forgotten': ['clients'],
  'agent.enrolled': ['agents'],
  'agent.delegation_set': ['agents'],
  'agent.removed': ['agents', 'grants', 'sessions'],
  'session.started': ['sessions'],
  'session.ended': ['sessions'],
  'grant.created': ['grants'],
  'grant.updated': ['grants'],
  'grant.revoked': ['grants'],
};

/** An owner change's audit entry: the wallet adds `actor: 'owner'`. */
export type OwnerChange = Omit<AuditInput, 'actor' | 'outcome'> & { type: keyof typeof WHAT_CHANGED };

/**
 * Where the wallet's owner methods record what they changed. An entry about an agent carries the
 * agent's name as well as its id (looked up when the change does not say it), so the audit reads
 * the same in the CLI and the window.
 */
export class OwnerChanges {
  constructor(
    private readonly audit: Pick<AuditLog, 'append'>,
    private readonly agentNameOf: (agentId: string) => string | undefined = () => undefined,
  ) {}

  async record(change: OwnerChange): Promise<AuditEvent> {
    const agentName = change.agentName ?? (change.agentId === undefined ? undefined : this.agentNameOf(change.agentId));
    return this.audit.append({ ...change, ...(agentName === undefined ? {} : { agentName }), outcome: 'ok', actor: 'owner' });
  }

  /** A revoked grant, with what stays valid at the server and until when (T38). */
  async recordGrantRevoked({ grant, tokens }: RevokedGrant, agentName?: string): Promise<AuditEvent> {
    return this.record({
      type: 'grant.revoked',
      agentId: grant.agentId,
      ...(agentName === undefined ? {} : { agentName }),
      resource: grant.resource,
      ...(grant.account === undefined ? {} : { account: grant.account }),
      scopes: grant.scopes,
      ...revokedFacts(tokens),
    });
  }

  /** A removed agent: each of its grants as revoked (with what stays valid), then the agent. */
  async recordAgentRemoved({ agent, grants }: RemovedAgent): Promise<AuditEvent> {
    for (const revoked of grants) await this.recordGrantRevoked(revoked, agent.name);
    return this.record({ type: 'agent.removed', agentId: agent.id, agentName: agent.name });
  }
}

/** Approvals and audit entries as live events; audit entries also say which collections changed. */
export function subscribeToWalletEvents(approvals: ApprovalQueue, audit: AuditLog, listener: (event: WalletEvent) => void): () => void {
  const safe = (event: WalletEvent): void => {
    try {
      listener(event);
    } catch {
      // A listener's failure is its own; the wallet goes on.
    }
  };
  const unsubscribers = [
    approvals.on('raised', (approval) => safe({ type: 'approval.raised', approval })),
    approvals.on('decided', (approval) => safe({ type: 'approval.decided', approval })),
    audit.on('appended', (event) => {
      safe({ type: 'audit.appended', event });
      for (const what of WHAT_CHANGED[event.type] ?? []) safe({ type: 'changed', what });
    }),
  ];
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
