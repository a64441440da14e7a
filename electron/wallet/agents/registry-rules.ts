/**
 * The registry's rules for what it stores: agent names, session lifetimes, how long ended sessions
 * stay listed, and the error for an agent that is not there. Pure functions, no vault.
 */
import { AgentName } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { AgentRecord, AgentsDocument } from './records.js';

export const MIN_SESSION_TTL_SECONDS = 1;
export const MAX_SESSION_TTL_SECONDS = 30 * 24 * 60 * 60;
/** Ended or expired sessions stay listed this long, then the next write drops them. */
export const SESSION_RETENTION_MS = 24 * 60 * 60 * 1000;
/** A session's command is kept up to this many characters. */
export const COMMAND_MAX = 512;

export function agentNotFound(idOrName: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.AgentNotFound, `No agent "${idOrName.slice(0, 80)}" is enrolled.`, {
    hint: 'See enrolled agents with `latchkey agent list`.',
  });
}

export function checkName(name: string): string {
  const parsed = AgentName.safeParse(name);
  if (!parsed.success) {
    throw new LatchkeyError(ErrorCode.InvalidInput, 'An agent name is 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit.', {
      hint: 'Pick a name such as "claude-code" or "build-bot".',
    });
  }
  return parsed.data;
}

export function checkTtl(ttlSeconds: number): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_SESSION_TTL_SECONDS || ttlSeconds > MAX_SESSION_TTL_SECONDS) {
    throw new LatchkeyError(ErrorCode.InvalidInput, 'A session lasts between 1 second and 30 days.', {
      hint: 'Pass a duration such as --ttl 8h.',
    });
  }
  return ttlSeconds;
}

/** Drops sessions that ended or expired longer than SESSION_RETENTION_MS ago. */
export function pruneSessions(document: AgentsDocument, now: number): void {
  for (const [id, session] of Object.entries(document.sessions)) {
    const over = session.endedAt ?? session.expiresAt;
    if (over < now - SESSION_RETENTION_MS) delete document.sessions[id];
  }
}

/** By id, or else by exact name. */
export function findAgentRecord(document: AgentsDocument, idOrName: string): AgentRecord | undefined {
  const byId = Object.hasOwn(document.agents, idOrName) ? document.agents[idOrName] : undefined;
  return byId ?? Object.values(document.agents).find((agent) => agent.name === idOrName);
}
