/**
 * A 401 for a stored connection (protocol.md T2, T6, T7): the token is expired, revoked or was
 * never accepted, or the server moved its sign-in to another authorization server.
 *  1. The resource metadata is read again first, one read per challenge (migration.ts). On a move
 *     the old issuer's tokens are dropped and the owner signs in at the new issuer (T6).
 *  2. Otherwise refresh once; a new token is the answer.
 *  3. If the AS refuses, sign in again with what was granted before plus anything the challenge
 *     names, at most once per refusal (sign-in-bound.ts, T7).
 * Sign-ins run one at a time per connection; a 401 that waited for another's sign-in gets its token.
 * An agent's 401 (reported through the bridge) runs step 1 only: on a move the old issuer's tokens
 * go and the connection waits for the owner's sign-in; an agent never starts a sign-in.
 * The sign-in itself is ConnectionService's (given as functions, so the state stays with it).
 */
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import type { ConnectOptions } from '../../../shared/api.js';
import type { BearerChallenge } from '../../../shared/www-authenticate.js';
import type { KeyedQueue } from '../../base/async/keyed-queue.js';
import type { CachedAccessToken, ConnectionRecord } from '../oauth/records.js';
import { unionScopes } from '../oauth/select-scopes.js';
import { needsReauth, notConnected } from '../oauth/tokens.js';
import type { ConnectionTokens } from './connection-tokens.js';
import { IssuerChecks, dropOldIssuer, movedMessage, prepareMigration, type MigrationDeps, type MigrationTarget, type MovedIssuer } from './migration.js';
import { SignInsAfter401 } from './sign-in-bound.js';
import { accountFlag, accountOf, connectionKey } from './accounts.js';

export interface UnauthorizedDeps extends MigrationDeps {
  tokens: Pick<ConnectionTokens, 'configFor' | 'refresh'>;
  /** The connection's sign-in queue (shared with the service's other sign-ins). */
  signIns: KeyedQueue;
  /** Signs in again at the connection's own issuer with `scopes`; stores and returns the connection. */
  signInAgain(record: ConnectionRecord, scopes: readonly string[] | undefined, options: ConnectOptions): Promise<ConnectionRecord>;
  /** Signs in at the issuer the server moved to; stores and returns the connection. */
  signInMoved(target: MigrationTarget, options: ConnectOptions): Promise<ConnectionRecord>;
}

export class UnauthorizedAnswers {
  /** T7: sign-ins caused by 401s, per connection. */
  readonly signIns401: SignInsAfter401;
  private readonly issuerChecks: IssuerChecks;

  constructor(private readonly deps: UnauthorizedDeps) {
    this.issuerChecks = new IssuerChecks({ ...deps.net, logger: deps.logger });
    this.signIns401 = new SignInsAfter401(deps.clock);
  }

  async answer(record: ConnectionRecord, challenge: BearerChallenge | undefined, wwwAuthenticate: string | null, options: ConnectOptions): Promise<CachedAccessToken> {
    const check = await this.issuerChecks.check({ record, challenge, challengeText: wwwAuthenticate, signal: options.signal });
    if (check.kind === 'moved') return this.deps.signIns.run(connectionKey(record), () => this.migrate(record, check, challenge, options));
    try {
      if (record.refreshToken !== undefined) {
        const refreshed = await this.deps.tokens.refresh(record);
        if (refreshed.accessToken !== undefined && refreshed.accessToken.value !== record.accessToken?.value) return refreshed.accessToken;
      }
    } catch (error) {
      if (!isLatchkeyError(error, ErrorCode.NeedsReauth)) throw error;
    }
    return this.deps.signIns.run(connectionKey(record), async () => {
      const current = this.deps.store.connection(record);
      if (current === undefined) throw notConnected(record.resource, [], record.account);
      const renewed = renewedSince(record, current);
      if (renewed !== undefined) return renewed;
      this.signIns401.assertAllowed(current);
      const scopes = unionScopes(current.scopes, challenge?.scope ?? []);
      return this.signedIn(await this.deps.signInAgain(current, scopes, options));
    });
  }

  /**
   * An agent's token was refused with 401: the metadata is read again (shared per challenge); on a
   * move the old issuer's tokens are dropped and audited, and the agent gets NeedsReauth saying
   * so. Otherwise nothing: the broker renews the agent's token. Never a refresh of the owner's
   * token, never a sign-in: a sign-in is the owner's.
   */
  async answerAgent(record: ConnectionRecord, challenge: BearerChallenge | undefined, wwwAuthenticate: string | null, signal?: AbortSignal): Promise<void> {
    const check = await this.issuerChecks.check({ record, challenge, challengeText: wwwAuthenticate, signal });
    if (check.kind !== 'moved') return;
    const signedInThere = await this.deps.signIns.run(connectionKey(record), async () => {
      const stored = this.deps.store.connection(record);
      if (stored === undefined) throw notConnected(record.resource, [], record.account);
      await dropOldIssuer(stored, check, this.deps);
      return stored.issuer === check.to && stored.status === 'ok';
    });
    // The owner has signed in at the new issuer meanwhile: the broker mints from there.
    if (signedInThere) return;
    throw new LatchkeyError(ErrorCode.NeedsReauth, movedMessage(record.resource, check.from, check.to), {
      hint: `The owner signs in again: latchkey connect ${record.serverUrl}${accountFlag(record.account)}`,
      details: { resource: record.resource, ...accountOf(record), issuer: check.to },
    });
  }

  /** T6: the old issuer's tokens go (migration.ts), then the owner signs in at the new one. */
  private async migrate(record: ConnectionRecord, moved: MovedIssuer, challenge: BearerChallenge | undefined, options: ConnectOptions): Promise<CachedAccessToken> {
    const next = await prepareMigration({ record, moved, challenge, signal: options.signal, onProgress: options.onProgress }, this.deps);
    if (next.kind === 'already-moved') return next.token;
    return this.signedIn(await this.deps.signInMoved(next.target, options));
  }

  private signedIn(record: ConnectionRecord): CachedAccessToken {
    this.signIns401.remember(record);
    if (record.accessToken === undefined) throw needsReauth(record, 'no access token came back');
    return record.accessToken;
  }
}

/** The token another caller got for this connection since `before` was read (its refresh or sign-in), if any. */
function renewedSince(before: ConnectionRecord, now: ConnectionRecord): CachedAccessToken | undefined {
  if (now.status !== 'ok' || now.accessToken === undefined) return undefined;
  return now.accessToken.value === before.accessToken?.value ? undefined : now.accessToken;
}
