/**
 * Who holds a presented secret (T11): every stored hash of an agent or a live session, compared in
 * constant time with the presented secret's hash, with no early exit. The hashes are read once per
 * stored document and kept until it changes.
 */
import { timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../../base/ids.js';
import type { AgentsDocument } from './records.js';

export interface SecretHolder {
  agentId: string;
  /** Set when the secret is a session's. */
  sessionId?: string;
}

interface Candidate extends SecretHolder {
  hash: Buffer;
}

/** The secret hashes of one stored document, ready to compare against. */
export class SecretHashes {
  private constructor(
    readonly document: AgentsDocument,
    private readonly candidates: readonly Candidate[],
  ) {}

  /** Agents' secrets and the secrets of sessions that have not ended. */
  static of(document: AgentsDocument): SecretHashes {
    return new SecretHashes(document, [
      ...Object.values(document.agents).map((agent) => ({ hash: Buffer.from(agent.secretHash, 'hex'), agentId: agent.id })),
      ...Object.values(document.sessions)
        .filter((session) => session.endedAt === undefined)
        .map((session) => ({ hash: Buffer.from(session.secretHash, 'hex'), agentId: session.agentId, sessionId: session.id })),
    ]);
  }

  /** The holder of `secret`, comparing against every hash whatever matched first. */
  match(secret: string): SecretHolder | undefined {
    const presented = Buffer.from(hashSecret(secret), 'hex');
    let match: Candidate | undefined;
    for (const candidate of this.candidates) {
      const equal = timingSafeEqual(presented, candidate.hash);
      if (equal && match === undefined) match = candidate;
    }
    return match === undefined ? undefined : { agentId: match.agentId, ...(match.sessionId === undefined ? {} : { sessionId: match.sessionId }) };
  }
}
