/**
 * Authorization server migration (protocol.md T6). On a 401 for a stored connection the server's
 * protected resource metadata is read again (the challenge's `resource_metadata` first) before
 * anything is refreshed: when it no longer lists the issuer the connection signed in at, the
 * server has moved its sign-in elsewhere, and the old issuer's tokens, client id and refresh
 * token must never reach the new one.
 *
 * One metadata read per challenge: concurrent 401s carrying the same challenge for the same
 * connection share it. A read that fails (not published, unreachable, invalid) says nothing about
 * a move; the caller then handles the 401 as before (refresh, sign in at the same issuer).
 */
import type { BearerChallenge } from '../../../shared/www-authenticate.js';
import type { ConnectProgress } from '../../../shared/connections.js';
import { isLatchkeyError } from '../../../shared/errors.js';
import type { Clock, Logger } from '../../base/ports.js';
import type { NetworkContext } from '../oauth/client-config.js';
import { startDiscoveryDeadline } from '../oauth/deadline.js';
import { discoverIssuer, type AuthorizationServer } from '../oauth/discover-issuer.js';
import { chooseAuthorizationServer, discoverResource, type DiscoveryDeps, type ResourceDiscovery } from '../oauth/discover-resource.js';
import type { CachedAccessToken, ConnectionRecord } from '../oauth/records.js';
import { selectScopes } from '../oauth/select-scopes.js';
import { notConnected, revokeRefreshToken, withoutTokens } from '../oauth/tokens.js';
import type { ConnectionStore } from './connection-store.js';
import type { ConnectionTokens, TokenAudit } from './connection-tokens.js';
import { accountOf } from './accounts.js';

export type IssuerCheck =
  /** The metadata still lists the connection's issuer (or the connection was found the 2025-03-26 way). */
  | { kind: 'same' }
  /** The metadata could not be read; `why` is an error code. */
  | { kind: 'unknown'; why: string }
  /** The metadata lists other authorization servers only; `to` is the one to use now. */
  | MovedIssuer;

export interface MovedIssuer {
  kind: 'moved';
  from: string;
  to: string;
  resourceMetadata: ResourceDiscovery;
}

export interface IssuerCheckInput {
  record: ConnectionRecord;
  challenge: BearerChallenge | undefined;
  /** The raw WWW-Authenticate value: with the resource, the key that 401s share a read by. */
  challengeText: string | null;
  signal?: AbortSignal | undefined;
}

/** Reads the resource metadata again for 401s, one read per (connection, challenge) in flight. */
export class IssuerChecks {
  private readonly inFlight = new Map<string, Promise<IssuerCheck>>();

  constructor(private readonly net: DiscoveryDeps) {}

  check(input: IssuerCheckInput): Promise<IssuerCheck> {
    // 2025-03-26 connections have no resource metadata: their AS is the server's origin.
    if (input.record.legacyDiscovery !== undefined) return Promise.resolve({ kind: 'same' });
    const key = `${input.record.resource}\n${input.challengeText ?? ''}`;
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const started = checkIssuer(input, this.net).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}

async function checkIssuer(input: IssuerCheckInput, net: DiscoveryDeps): Promise<IssuerCheck> {
  const { record } = input;
  const deadline = startDiscoveryDeadline(record.resource, undefined, input.signal);
  try {
    const resourceMetadata = await discoverResource(record.resource, input.challenge, { ...net, signal: deadline.signal });
    const listed = resourceMetadata.metadata.authorization_servers;
    if (listed.includes(record.issuer)) return { kind: 'same' };
    return { kind: 'moved', from: record.issuer, to: chooseAuthorizationServer(listed), resourceMetadata };
  } catch (error) {
    if (input.signal?.aborted === true) throw error;
    const why = isLatchkeyError(error) ? error.code : 'unreachable';
    net.logger?.debug('401: resource metadata not read again; handling it as before', { resource: record.resource, why });
    return { kind: 'unknown', why };
  } finally {
    deadline.clear();
  }
}

/** The new authorization server's metadata, under its own discovery deadline. */
export async function discoverMovedIssuer(issuer: string, net: DiscoveryDeps, signal?: AbortSignal): Promise<AuthorizationServer> {
  const deadline = startDiscoveryDeadline(issuer, undefined, signal);
  try {
    return await discoverIssuer(issuer, { ...net, signal: deadline.signal });
  } finally {
    deadline.clear();
  }
}

/** What the owner reads when a server moved its sign-in. */
export function movedMessage(resource: string, from: string, to: string): string {
  return `${resource} moved its sign-in from ${from} to ${to}; sign in again.`;
}

export interface MigrationDeps {
  store: ConnectionStore;
  tokens: Pick<ConnectionTokens, 'configFor'>;
  net: NetworkContext;
  clock: Clock;
  logger: Logger;
  audit?: TokenAudit | undefined;
}

export interface MigrationInput {
  /** The connection as the 401 found it. */
  record: ConnectionRecord;
  moved: MovedIssuer;
  challenge: BearerChallenge | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((event: ConnectProgress) => void) | undefined;
}

/** What the new sign-in needs (ConnectionService's authorize target). */
export interface MigrationTarget {
  resource: string;
  /** The account whose sign-in moved (T8); absent: the default account. */
  account?: string | undefined;
  serverUrl: string;
  as: AuthorizationServer;
  scopes: string[] | undefined;
  resourceMetadataUrl: string;
  resourceScopes: string[] | undefined;
  /** The connection without its tokens: its sign-in settings (channel, port, resource) carry over. */
  previous: ConnectionRecord;
}

/**
 * Everything before the new sign-in: the old issuer's refresh token is revoked there (best effort)
 * and both tokens are dropped, so agents read "needs re-auth" from now until the owner has signed
 * in at the new issuer; the move is logged and audited (connection.migrated); the new issuer's
 * metadata is discovered; the scopes are the challenge's (else the resource's), nothing carried
 * over from the old issuer. Run under the connection's sign-in queue: a concurrent 401 that moved
 * it already gives its token.
 */
export async function prepareMigration(
  input: MigrationInput,
  deps: MigrationDeps,
): Promise<{ kind: 'already-moved'; token: CachedAccessToken } | { kind: 'sign-in'; target: MigrationTarget }> {
  const { record, moved } = input;
  const stored = deps.store.connection(record);
  if (stored === undefined) throw notConnected(record.resource, [], record.account);
  if (stored.issuer === moved.to && stored.status === 'ok' && stored.accessToken !== undefined) return { kind: 'already-moved', token: stored.accessToken };
  await dropOldIssuer(stored, moved, deps);
  const as = await discoverMovedIssuer(moved.to, { ...deps.net, logger: deps.logger }, input.signal);
  input.onProgress?.({ step: 'discovered', resource: record.resource, issuer: as.issuer });
  const { metadata, url } = moved.resourceMetadata;
  return {
    kind: 'sign-in',
    target: {
      resource: record.resource,
      account: record.account,
      serverUrl: record.serverUrl,
      as,
      scopes: selectScopes({ challenged: input.challenge?.scope, resourceSupported: metadata.scopes_supported, serverSupported: as.scopes_supported }),
      resourceMetadataUrl: url,
      resourceScopes: metadata.scopes_supported,
      previous: { ...withoutTokens(stored), status: 'needs-reauth', deniedScopes: [] },
    },
  };
}

/**
 * When `stored` is still at the issuer the server moved away from: its refresh token is revoked
 * there (best effort), both tokens are dropped (the connection needs a new sign-in), the move is
 * logged and audited (connection.migrated). Otherwise nothing: another 401 got there first.
 */
export async function dropOldIssuer(stored: ConnectionRecord, moved: MovedIssuer, deps: MigrationDeps): Promise<void> {
  if (stored.issuer !== moved.from) return;
  await forgetTokens(stored, deps);
  deps.logger.warn(movedMessage(stored.resource, moved.from, moved.to), { resource: stored.resource, ...accountOf(stored), from: moved.from, to: moved.to });
  await deps.audit?.record({ type: 'connection.migrated', resource: stored.resource, ...accountOf(stored), issuer: moved.to, outcome: 'ok', reason: 'authorization_server_moved' });
}

/** Revokes the refresh token at its issuer (best effort) and drops both tokens: the connection needs a new sign-in. */
async function forgetTokens(record: ConnectionRecord, deps: MigrationDeps): Promise<void> {
  try {
    await revokeRefreshToken(deps.tokens.configFor(record), record.refreshToken, deps.logger);
  } catch (error) {
    deps.logger.debug('revocation at the old authorization server failed', { resource: record.resource, why: isLatchkeyError(error) ? error.code : 'unreachable' });
  }
  await deps.store.updateConnection(record, (current) => ({ ...withoutTokens(current), status: 'needs-reauth', updatedAt: deps.clock.now() }));
}
