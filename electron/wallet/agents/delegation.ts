/**
 * Delegated sessions (`latchkey run --delegate`, threat T40): the tree of sessions in the agents
 * document, and the limits a child must keep to. A child is a session of the same agent with a
 * parent, bounds that are a subset of the parent's, and a lifetime within the parent's remaining
 * one. The grants side of "subset" (resources and scopes the agent really holds) is checked by
 * the delegation desk, which knows the grants; everything here needs only the document.
 */
import { DEFAULT_DELEGATION_LIMITS, DELEGATION_DEPTH_CAP, type DelegationLimits, type SessionBounds } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { isSessionActive, type AgentsDocument, type SessionRecord } from './records.js';

/** A root session is depth 0; its children 1; at most this deep, unless the owner set the agent's limits. */
export const MAX_DELEGATION_DEPTH = DEFAULT_DELEGATION_LIMITS.maxDepth;
/** Live children one session may have at a time, unless the owner set the agent's limits. */
export const MAX_LIVE_CHILDREN = DEFAULT_DELEGATION_LIMITS.maxChildren;

export interface ChildRequest {
  bounds: SessionBounds;
  ttlSeconds: number | undefined;
}

/** The session and its ancestors, innermost first; stops at a missing link or a cycle. */
export function lineageOf(document: AgentsDocument, session: SessionRecord): SessionRecord[] {
  const line: SessionRecord[] = [session];
  let parentId = session.parentSessionId;
  while (parentId !== undefined && line.length <= DELEGATION_DEPTH_CAP + 1) {
    const parent = Object.hasOwn(document.sessions, parentId) ? document.sessions[parentId] : undefined;
    if (parent === undefined || line.includes(parent)) break;
    line.push(parent);
    parentId = parent.parentSessionId;
  }
  return line;
}

/** Every session started, directly or not, from one of `roots` (not the roots themselves). */
export function descendantsOf(document: AgentsDocument, roots: readonly string[]): SessionRecord[] {
  const found: SessionRecord[] = [];
  const seen = new Set(roots);
  let frontier = [...roots];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const session of Object.values(document.sessions)) {
      if (session.parentSessionId !== undefined && frontier.includes(session.parentSessionId) && !seen.has(session.id)) {
        seen.add(session.id);
        found.push(session);
        next.push(session.id);
      }
    }
    frontier = next;
  }
  return found;
}

/** Ends the live descendants of `roots` (reason parent-ended) in the document being written; returns them. */
export function endDescendants(document: AgentsDocument, roots: readonly string[], now: number): SessionRecord[] {
  const ended = descendantsOf(document, roots).filter((session) => session.endedAt === undefined);
  for (const session of ended) {
    session.endedAt = now;
    session.endReason = 'parent-ended';
  }
  return ended;
}

function wider(what: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.DelegationWider, `A delegated session cannot have more than its parent: ${what}.`, {
    hint: 'Ask for a subset of what the parent session holds (see `latchkey whoami`), or ask the owner to widen the grant.',
  });
}

/**
 * Checks a child against its parent as stored now: the parent live, the depth and live-children
 * limits, bounds within the parent's bounds, and a lifetime within the parent's remaining one.
 * Returns the child's expiry (epoch ms). Nothing is ever narrowed silently: wider is refused.
 */
export function checkChild(document: AgentsDocument, parent: SessionRecord, request: ChildRequest, now: number, limits: DelegationLimits = DEFAULT_DELEGATION_LIMITS): number {
  const lineage = lineageOf(document, parent);
  if (!lineage.every((session) => isSessionActive(session, now))) {
    throw new LatchkeyError(ErrorCode.SessionExpired, 'The parent session has ended.', { hint: 'Start a new session with `latchkey run`.' });
  }
  if (lineage.length > limits.maxDepth) {
    throw new LatchkeyError(ErrorCode.DelegationLimit, limits.maxDepth === 0 ? "This agent's sessions may not delegate." : `This agent's sessions may be delegated at most ${limits.maxDepth} levels deep.`, {
      hint: limits.maxDepth === 0 ? 'The owner can allow it in the policy file (delegation.maxDepth).' : 'Start the sub-agent from a session nearer the top.',
    });
  }
  const live = Object.values(document.sessions).filter((session) => session.parentSessionId === parent.id && isSessionActive(session, now));
  if (live.length >= limits.maxChildren) {
    throw new LatchkeyError(ErrorCode.DelegationLimit, `A session of this agent may have at most ${limits.maxChildren} live delegated sessions.`, {
      hint: 'Wait for a sub-agent to finish first.',
    });
  }
  const { maxTtlSeconds } = limits;
  if (maxTtlSeconds !== undefined && request.ttlSeconds !== undefined && request.ttlSeconds > maxTtlSeconds) {
    throw new LatchkeyError(ErrorCode.DelegationLimit, `This agent's delegated sessions may live at most ${maxTtlSeconds} s; ${request.ttlSeconds} s was asked.`, {
      hint: `Ask for --ttl ${maxTtlSeconds} or less.`,
    });
  }
  const outside = (asked: readonly string[] | undefined, held: readonly string[] | undefined): string[] =>
    asked === undefined || held === undefined ? [] : asked.filter((item) => !held.includes(item));
  const { bounds } = request;
  if (parent.bounds?.resources !== undefined && bounds.resources === undefined) throw wider('all resources, where the parent is limited to some');
  if (parent.bounds?.scopes !== undefined && bounds.scopes === undefined) throw wider('all scopes, where the parent is limited to some');
  const resources = outside(bounds.resources, parent.bounds?.resources);
  if (resources.length > 0) throw wider(`the resources ${resources.join(', ')}`);
  const scopes = outside(bounds.scopes, parent.bounds?.scopes);
  if (scopes.length > 0) throw wider(`the scopes ${scopes.join(' ')}`);
  const remainingMs = parent.expiresAt - now;
  // Without --ttl a child lives as long as its parent, or as long as the agent's limit allows if that is sooner.
  if (request.ttlSeconds === undefined) return maxTtlSeconds === undefined ? parent.expiresAt : Math.min(parent.expiresAt, now + maxTtlSeconds * 1000);
  if (request.ttlSeconds * 1000 > remainingMs) throw wider(`a lifetime of ${request.ttlSeconds} s, where the parent has ${Math.floor(remainingMs / 1000)} s left`);
  return now + request.ttlSeconds * 1000;
}
