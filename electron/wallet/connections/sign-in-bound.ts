/**
 * T7: at most one automatic sign-in per refusal. A 401 that Latchkey answered with a full sign-in
 * (not a refresh) is remembered per connection with the issuer and the new token's lifetime; a
 * later 401 that would need another sign-in at the same issuer while that token is within its
 * lifetime fails with connection.sign_in_rejected instead of opening the browser again (a server
 * that refuses every token would otherwise ask the owner to sign in over and over). A sign-in at
 * another issuer (T6, migration) is not bound by it; the owner's explicit connect never is.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Clock } from '../../base/ports.js';
import type { ConnectionRecord } from '../oauth/records.js';
import { accountFlag, connectionKey, type ConnectionRef } from './accounts.js';

interface SignedIn {
  issuer: string;
  /** Epoch ms: the end of the token's lifetime. */
  until: number;
}

export class SignInsAfter401 {
  private readonly last = new Map<string, SignedIn>();

  constructor(private readonly clock: Clock) {}

  /** A sign-in a 401 caused has just stored `record`. */
  remember(record: ConnectionRecord): void {
    if (record.accessToken === undefined) return;
    this.last.set(connectionKey(record), { issuer: record.issuer, until: record.accessToken.expiresAt });
  }

  /** Throws SignInRejected when a sign-in at `record.issuer` for a 401 happened within its token's lifetime. */
  assertAllowed(record: ConnectionRecord): void {
    const last = this.last.get(connectionKey(record));
    if (last === undefined || last.issuer !== record.issuer || last.until <= this.clock.now()) return;
    throw new LatchkeyError(
      ErrorCode.SignInRejected,
      `${record.resource} refused the token Latchkey just got by signing in at ${record.issuer}; Latchkey did not sign in again.`,
      {
        hint: `The server may not accept tokens from its own authorization server. Check with its operator, or sign in again yourself: latchkey connect ${record.serverUrl}${accountFlag(record.account)}`,
        details: { resource: record.resource, issuer: record.issuer },
      },
    );
  }

  forget(ref: ConnectionRef): void {
    this.last.delete(connectionKey(ref));
  }
}
