/**
 * How sessions end, as changes to the stored document (one vault write each, made by the
 * registry): an ended session keeps its first end time and reason, and a delegated session ends
 * with the session it came from (T40).
 */
import type { SessionSummary } from '../../../shared/agents.js';
import { endDescendants } from './delegation.js';
import type { AgentsDocument, SessionRecord } from './records.js';

type EndReason = NonNullable<SessionSummary['endReason']>;

function end(session: SessionRecord, reason: EndReason, now: number): boolean {
  if (session.endedAt !== undefined) return false;
  session.endedAt = now;
  session.endReason = reason;
  return true;
}

/** Ends one session (if it has not ended) and the sessions delegated from it; undefined when unknown. */
export function endSessionTree(doc: AgentsDocument, id: string, reason: EndReason, now: number): SessionRecord | undefined {
  const session = doc.sessions[id];
  if (session === undefined) return undefined;
  end(session, reason, now);
  endDescendants(doc, [id], now);
  return session;
}

/** A removed agent's sessions all end, reason 'revoked'. */
export function endAgentSessions(doc: AgentsDocument, agentId: string, now: number): void {
  for (const session of Object.values(doc.sessions)) if (session.agentId === agentId) end(session, 'revoked', now);
}

/** Sessions whose runner exited end, reason 'runner-exited', with the sessions delegated from them; resolves with all that ended. */
export function endExitedSessions(doc: AgentsDocument, ids: readonly string[], now: number): SessionRecord[] {
  const ended: SessionRecord[] = [];
  for (const id of ids) {
    const session = doc.sessions[id];
    if (session !== undefined && end(session, 'runner-exited', now)) ended.push(session);
  }
  ended.push(...endDescendants(doc, ids, now));
  return ended;
}
