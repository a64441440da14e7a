/**
 * Who is the owner in the headless host: one-time login tokens (each a random 256-bit value,
 * spent on first use) and the session credentials they turn into (random, in memory only, gone
 * when the host stops; the window sends one as a header, never as a cookie). Every comparison is of SHA-256 digests in constant time; nothing here is ever
 * logged or written to disk.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { systemClock, type Clock } from '../../base/ports.js';

export interface OwnerSessionLimits {
  /** How long a one-time link stays usable (default 24 h: the daemon prints one at start). */
  oneTimeTtlMs: number;
  /** A session unused this long is forgotten (default 12 h). */
  sessionIdleMs: number;
  /** At most this many unspent one-time tokens; minting another drops the oldest. */
  maxPendingTokens: number;
  /** At most this many live sessions; a new login drops the least recently used. */
  maxSessions: number;
}

export const DEFAULT_OWNER_SESSION_LIMITS: Readonly<OwnerSessionLimits> = {
  oneTimeTtlMs: 24 * 3600_000,
  sessionIdleMs: 12 * 3600_000,
  maxPendingTokens: 16,
  maxSessions: 32,
};

interface Entry {
  digest: Buffer;
  /** Expiry (tokens) or last use (sessions), epoch ms. */
  at: number;
}

export class OwnerSessions {
  private readonly pending: Entry[] = [];
  private readonly sessions: Entry[] = [];
  private readonly limits: OwnerSessionLimits;

  constructor(
    private readonly clock: Clock = systemClock,
    limits: Partial<OwnerSessionLimits> = {},
  ) {
    this.limits = { ...DEFAULT_OWNER_SESSION_LIMITS, ...limits };
  }

  /** A new one-time token (base64url, 256 bits). */
  mintToken(): string {
    const token = randomBytes(32).toString('base64url');
    this.pending.push({ digest: digest(token), at: this.clock.now() + this.limits.oneTimeTtlMs });
    while (this.pending.length > this.limits.maxPendingTokens) this.pending.shift();
    return token;
  }

  /** Spends a one-time token: a new session id, or undefined when the token is unknown, spent or expired. */
  redeemToken(token: string): string | undefined {
    const now = this.clock.now();
    const index = findIndex(this.pending, token);
    if (index < 0) return undefined;
    const [entry] = this.pending.splice(index, 1);
    if (entry === undefined || entry.at <= now) return undefined;
    const session = randomBytes(32).toString('base64url');
    this.sessions.push({ digest: digest(session), at: now });
    while (this.sessions.length > this.limits.maxSessions) this.dropLeastRecent();
    return session;
  }

  /** True for a live session (and marks it used). */
  checkSession(session: string | undefined): boolean {
    if (session === undefined || session === '') return false;
    const index = findIndex(this.sessions, session);
    const entry = this.sessions[index];
    if (entry === undefined) return false;
    const now = this.clock.now();
    if (now - entry.at > this.limits.sessionIdleMs) {
      this.sessions.splice(index, 1);
      return false;
    }
    entry.at = now;
    return true;
  }

  private dropLeastRecent(): void {
    let oldest = 0;
    this.sessions.forEach((entry, i) => {
      if (entry.at < (this.sessions[oldest]?.at ?? Infinity)) oldest = i;
    });
    this.sessions.splice(oldest, 1);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Compares against every entry (no early exit), each in constant time. */
function findIndex(entries: Entry[], value: string): number {
  const presented = digest(value);
  let found = -1;
  entries.forEach((entry, i) => {
    if (timingSafeEqual(entry.digest, presented) && found < 0) found = i;
  });
  return found;
}
