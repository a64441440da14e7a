/**
 * Grants the owner revoked, kept in memory so an agent that asks again at once hears `grant.revoked`
 * instead of putting a consent prompt in front of the owner who has just said no. A revocation holds
 * for callers without a session and for sessions that began before it; a session started afterwards
 * may ask again, and any new grant for the agent and server applies as usual (decide issues under
 * an applicable grant before it looks here).
 */
import type { Grant } from '../../../shared/agents.js';

type RevokedTarget = Pick<Grant, 'agentId' | 'resource' | 'account'>;

export class OwnerRevocations {
  /** Per agent: when the owner last revoked its grant for a server and account. */
  private readonly revokedAt = new Map<string, Map<string, number>>();
  private changes = 0;

  /** Counts every change: a plan kept from before one is not used after it (plan-memo.ts). */
  get version(): number {
    return this.changes;
  }

  /** The owner revoked `grant` at `at` (epoch ms). */
  note(grant: RevokedTarget, at: number): void {
    this.changes += 1;
    const ofAgent = this.revokedAt.get(grant.agentId) ?? new Map<string, number>();
    ofAgent.set(targetKey(grant), at);
    this.revokedAt.set(grant.agentId, ofAgent);
  }

  /** Whether a request of this agent for this server and account, from a session started at `sessionStartedAt` (none: no session), falls under a revocation. */
  blocks(target: RevokedTarget, sessionStartedAt: number | undefined): boolean {
    const at = this.revokedAt.get(target.agentId)?.get(targetKey(target));
    if (at === undefined) return false;
    return sessionStartedAt === undefined || sessionStartedAt <= at;
  }

  /** The agent is gone: nothing of it needs remembering. */
  forgetAgent(agentId: string): void {
    this.changes += 1;
    this.revokedAt.delete(agentId);
  }
}

function targetKey(target: RevokedTarget): string {
  return `${target.resource} ${target.account ?? ''}`;
}
