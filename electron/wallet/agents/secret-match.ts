/**
 * Who holds a presented secret (T11), in one lookup: the presented secret's SHA-256 picks at most
 * one candidate from a map keyed by the stored hashes, then one constant-time compare of the full
 * hash decides. A miss compares against a random dummy hash the same way, so the work done is the
 * same whoever asks and however many agents and sessions exist. The key is a hash of the secret, so
 * a caller cannot steer a lookup toward a stored key without holding that secret. The map is built
 * once per stored document and kept until it changes.
 *
 * The digest is taken as hex, the form the map is keyed by, and copied into a buffer kept for the
 * compare: a digest as a Buffer costs a new backing store per request (1.9 µs against 0.7 µs for
 * hex, measured on node 22), the largest part of a hand-out's authentication.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../../base/ids.js';
import type { AgentsDocument } from './records.js';

export interface SecretHolder {
  agentId: string;
  /** Set when the secret is a session's. */
  sessionId?: string;
}

/** A SHA-256 digest in lowercase hex: 64 characters, one byte each in latin1. */
const HEX_DIGEST_BYTES = 64;

interface Candidate {
  /** The stored hash's hex characters as bytes, for timingSafeEqual. */
  hex: Buffer;
  holder: SecretHolder;
}

/** The secret hashes of one stored document (lowercase hex, as records.ts checks), ready to look up. */
export class SecretHashes {
  /** Compared against when nothing is stored under the presented hash. */
  private readonly dummy = Buffer.from(randomBytes(HEX_DIGEST_BYTES / 2).toString('hex'), 'latin1');
  /** The presented digest's hex, copied here for the compare (match is synchronous: one at a time). */
  private readonly presented = Buffer.alloc(HEX_DIGEST_BYTES);

  private constructor(
    readonly document: AgentsDocument,
    private readonly candidates: ReadonlyMap<string, Candidate>,
  ) {}

  /** Agents' secrets and the secrets of sessions that have not ended (the first holder wins a clash). */
  static of(document: AgentsDocument): SecretHashes {
    const candidates = new Map<string, Candidate>();
    const add = (secretHash: string, holder: SecretHolder): void => {
      if (!candidates.has(secretHash)) candidates.set(secretHash, { hex: Buffer.from(secretHash, 'latin1'), holder });
    };
    for (const agent of Object.values(document.agents)) add(agent.secretHash, { agentId: agent.id });
    for (const session of Object.values(document.sessions)) {
      if (session.endedAt === undefined) add(session.secretHash, { agentId: session.agentId, sessionId: session.id });
    }
    return new SecretHashes(document, candidates);
  }

  /** The holder of `secret`: one map lookup, then one constant-time compare, hit or miss. */
  match(secret: string): SecretHolder | undefined {
    const digest = hashSecret(secret);
    const candidate = this.candidates.get(digest);
    this.presented.write(digest, 0, 'latin1');
    // A candidate is only found under the presented digest itself, so both sides are 64 bytes.
    const equal = timingSafeEqual(this.presented, candidate?.hex ?? this.dummy);
    return equal && candidate !== undefined ? { ...candidate.holder } : undefined;
  }
}
