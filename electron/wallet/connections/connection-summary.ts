/**
 * What a stored connection looks like to its owner (ConnectionSummary: nothing secret) and the
 * owner's access token as the API hands it out.
 */
import type { AccessTokenResult, ConnectionSummary } from '../../../shared/connections.js';
import type { CachedAccessToken, ClientRecord, ConnectionRecord } from '../oauth/records.js';
import { needsReauth } from '../oauth/tokens.js';

/** `client` is the registration at the connection's issuer, if the wallet still has it. */
export function summarizeConnection(record: ConnectionRecord, client: ClientRecord | undefined): ConnectionSummary {
  return {
    resource: record.resource,
    ...(record.account === undefined ? {} : { account: record.account }),
    issuer: record.issuer,
    clientId: record.clientId,
    registration: client?.registration ?? 'dcr',
    scopes: record.scopes,
    status: record.status,
    ...(record.access === undefined ? {} : { access: record.access }),
    ...(record.accessToken === undefined ? {} : { accessTokenExpiresAt: record.accessToken.expiresAt }),
    ...(record.accessToken?.lifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds: record.accessToken.lifetimeSeconds }),
    hasRefreshToken: record.refreshToken !== undefined,
    ...(record.sendResource ? {} : { sendResource: false }),
    ...(record.callbackPort === undefined ? {} : { callbackPort: record.callbackPort }),
    ...(record.signIn === undefined ? {} : { signIn: record.signIn }),
    ...(record.managed === undefined ? {} : { managedBy: record.managed.by }),
    connectedAt: record.connectedAt,
    updatedAt: record.updatedAt,
  };
}

export function toAccessTokenResult(token: CachedAccessToken): AccessTokenResult {
  return {
    accessToken: token.value,
    tokenType: token.tokenType ?? 'Bearer',
    expiresAt: token.expiresAt,
    scope: token.scope,
    ...(token.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: token.lifetimeSeconds }),
  };
}

/** The access token a sign-in just stored; NeedsReauth when none came back. */
export function requireToken(record: ConnectionRecord): CachedAccessToken {
  if (record.accessToken === undefined) throw needsReauth(record, 'no access token came back');
  return record.accessToken;
}
