/**
 * What a hand-out's audit record says of the token (its fingerprint, the subject a JWT names),
 * worked out once per token, not on every hand-out of the same cached token. Held in memory only,
 * as the agent token cache holds the tokens themselves; a revocation clears it, and it never grows
 * past its limit (it starts over).
 */
import { fingerprint } from '../../base/log/fingerprint.js';
import { subjectOfToken } from './session-bounds.js';

export interface TokenFacts {
  fingerprint: string;
  /** The `sub` of a JWT access token; undefined for an opaque one. */
  owner: string | undefined;
}

const DEFAULT_LIMIT = 4096;

export class TokenFactsMemo {
  private readonly facts = new Map<string, TokenFacts>();

  constructor(private readonly limit: number = DEFAULT_LIMIT) {}

  of(accessToken: string): TokenFacts {
    const known = this.facts.get(accessToken);
    if (known !== undefined) return known;
    if (this.facts.size >= this.limit) this.facts.clear();
    const facts: TokenFacts = { fingerprint: fingerprint(accessToken), owner: subjectOfToken(accessToken) };
    this.facts.set(accessToken, facts);
    return facts;
  }

  clear(): void {
    this.facts.clear();
  }
}
