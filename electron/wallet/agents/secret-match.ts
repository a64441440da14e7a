/**
 * Who holds a presented secret (T11), in one lookup: the presented secret's SHA-256 picks at most
 * one candidate from a map keyed by the stored hashes, then one constant-time compare of the full
 * hash decides. A miss compares against a random dummy hash the same way, so the work done is the
 * same whoever asks and however many agents and sessions exist. The key is a hash of the secret, so
 * a caller cannot steer a lookup toward a stored key without holding that secret. The map is built
 * once per stored document and kept until it changes.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecretBytes } from '../../base/ids.js';
import type { AgentsDocument } from './records.js';

export interface SecretHolder {
  agentId: string;
  /** Set when the secret is a session's. */
  sessionId?: string;
}

interface Candidate {
  hash: Buffer;
  holder: SecretHolder;
}

/** The secret hashes of one stored document (lowercase hex, as records.ts checks), ready to look up. */
export class SecretHashes {
  /** Compared against when nothing is stored under the presented hash. */
  private readonly dummy = randomBytes(32);

  private constructor(
    readonly document: AgentsDocument,
    private readonly candidates: ReadonlyMap<string, Candidate>,
  ) {}

  /** Agents' secrets and the secrets of sessions that have not ended (the first holder wins a clash). */
  static of(document: AgentsDocument): SecretHashes {
    const candidates = new Map<string, Candidate>();
    const add = (secretHash: string, holder: SecretHolder): void => {
      if (!candidates.has(secretHash)) candidates.set(secretHash, { hash: Buffer.from(secretHash, 'hex'), holder });
    };
    for (const agent of Object.values(document.agents)) add(agent.secretHash, { agentId: agent.id });
    for (const session of Object.values(document.sessions)) {
      if (session.endedAt === undefined) add(session.secretHash, { agentId: session.agentId, sessionId: session.id });
    }
    return new SecretHashes(document, candidates);
  }

  /** The holder of `secret`: one map lookup, then one constant-time compare, hit or miss. */
  match(secret: string): SecretHolder | undefined {
    const presented = hashSecretBytes(secret);
    const candidate = this.candidates.get(presented.toString('hex'));
    const equal = timingSafeEqual(presented, candidate?.hash ?? this.dummy);
    return equal && candidate !== undefined ? { ...candidate.holder } : undefined;
  }
}
