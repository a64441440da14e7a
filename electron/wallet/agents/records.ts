/**
 * What the vault keeps per agent and per session: the shared summaries plus the secret's hash
 * (never the secret). Parsed with zod on the way out of the vault.
 */
import { z } from 'zod';
import { AgentSummary, SessionSummary, type AgentSummary as AgentSummaryType, type SessionSummary as SessionSummaryType } from '../../../shared/agents.js';

const SecretHash = z.string().regex(/^[0-9a-f]{64}$/);

export const AgentRecord = AgentSummary.extend({ secretHash: SecretHash });
export type AgentRecord = z.infer<typeof AgentRecord>;

export const SessionRecord = SessionSummary.extend({
  secretHash: SecretHash,
  /** The start of the process `pid` names, when the session is bound to it (T36): a reused pid has another. */
  runnerStart: z.string().max(100).optional(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

export const AgentsDocument = z.object({
  agents: z.record(z.string(), AgentRecord),
  sessions: z.record(z.string(), SessionRecord),
});
export type AgentsDocument = z.infer<typeof AgentsDocument>;

export function agentSummaryOf(record: AgentRecord, lastSeenAt?: number): AgentSummaryType {
  const seen = Math.max(record.lastSeenAt ?? 0, lastSeenAt ?? 0);
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    ...(record.parentId === undefined ? {} : { parentId: record.parentId }),
    createdAt: record.createdAt,
    ...(seen === 0 ? {} : { lastSeenAt: seen }),
    ...(record.delegation === undefined ? {} : { delegation: record.delegation }),
  };
}

export function sessionSummaryOf(record: SessionRecord): SessionSummaryType {
  const { secretHash: _hash, runnerStart: _start, ...summary } = record;
  return { ...summary };
}

/** Not ended and not yet expired. */
export function isSessionActive(session: SessionSummaryType, now: number): boolean {
  return session.endedAt === undefined && session.expiresAt > now;
}
