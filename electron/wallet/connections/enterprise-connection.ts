/**
 * Enterprise-managed connections (protocol.md R7): no browser at the MCP server's authorization
 * server. A token is a fresh ID-JAG from the organisation's identity provider (the owner signed in
 * there once; `IdJagSource`, the wallet's enterprise room) redeemed at the authorization server with
 * the JWT-bearer grant (oauth/jwt-bearer.ts) by Latchkey's client there. Connecting, a refresh and
 * an agent's narrowed token are each one exchange and one redemption; there is no refresh token.
 */
import type { ConnectOptions } from '../../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import type { AgentClientAuth } from '../oauth/client-credentials.js';
import type { AuthorizationServer, NetworkContext } from '../oauth/client-config.js';
import { generateDpopKey, supportsDpop } from '../oauth/dpop-key.js';
import { redeemJwtBearer } from '../oauth/jwt-bearer.js';
import type { CachedAccessToken, ClientRecord, ConnectionRecord } from '../oauth/records.js';
import { accountOf } from './accounts.js';
import { signedInRecord, type AuthorizeDeps, type AuthorizeTarget } from './authorize-connection.js';
import type { ConnectionStore } from './connection-store.js';
import { summarizeConnection } from './connection-summary.js';

/** Where ID-JAGs come from: the owner's sign-in at the organisation's identity provider. */
export interface IdJagSource {
  idJagFor(request: { audience: string; resource: string; scopes: readonly string[] }): Promise<{ value: string; idp: string }>;
}

export interface EnterpriseTokenDeps {
  store: ConnectionStore;
  net: NetworkContext;
  clock: { now(): number };
  idJags?: IdJagSource | undefined;
}

/** One exchange at the IdP and one JWT-bearer redemption at `as`, for `scopes`. */
async function enterpriseGrant(
  as: AuthorizationServer,
  client: ClientRecord,
  target: { resource: string; sendResource: boolean; scopes: readonly string[]; dpopKey: ConnectionRecord['dpopKey'] },
  deps: EnterpriseTokenDeps,
): Promise<{ token: CachedAccessToken; idp: string }> {
  if (deps.idJags === undefined) throw new LatchkeyError(ErrorCode.EnterpriseNotConfigured, 'This wallet has no enterprise identity provider.');
  const idJag = await deps.idJags.idJagFor({ audience: as.issuer, resource: target.resource, scopes: target.scopes });
  const token = await redeemJwtBearer(
    as,
    { clientId: client.clientId, auth: clientAuthOf(client) },
    { assertion: idJag.value, scopes: target.scopes, resource: target.sendResource ? target.resource : undefined, dpopKey: target.dpopKey, assertionName: 'the ID-JAG' },
    deps.net,
    () => deps.clock.now(),
  );
  return { token, idp: idJag.idp };
}

/** Latchkey's client at the authorization server, as the JWT-bearer grant authenticates it. */
function clientAuthOf(client: ClientRecord): AgentClientAuth | undefined {
  if (client.tokenEndpointAuthMethod === 'none') return undefined;
  if (client.tokenEndpointAuthMethod === 'client_secret_basic' && client.clientSecret !== undefined) return { method: 'client_secret_basic', clientSecret: client.clientSecret };
  throw new LatchkeyError(ErrorCode.InvalidInput, `Latchkey's client at ${client.issuer} uses ${client.tokenEndpointAuthMethod}, which enterprise-managed connections do not support.`, {
    hint: `Add it again with a secret (client_secret_basic): latchkey client add ${client.issuer} --client-id ${client.clientId} --client-secret-stdin`,
    details: { issuer: client.issuer },
  });
}

/** The client the administrator registered for Latchkey at this authorization server (the IdP names it in its ID-JAGs). */
function requireClient(store: ConnectionStore, issuer: string): ClientRecord {
  const client = store.client(issuer);
  if (client === undefined) {
    throw new LatchkeyError(ErrorCode.ClientIdRequired, `An enterprise-managed connection needs Latchkey's client at ${issuer}, which the wallet does not have.`, {
      hint: `Ask your administrator for the client id and secret registered for Latchkey there, then run: latchkey client add ${issuer} --client-id ID --client-secret-stdin`,
      details: { issuer },
    });
  }
  return client;
}

/** Connects (or signs in again) an enterprise-managed connection: no browser, no consent page. */
export async function connectEnterprise(target: AuthorizeTarget, options: ConnectOptions, deps: AuthorizeDeps & EnterpriseTokenDeps): Promise<ConnectionRecord> {
  const { store, clock, logger } = deps;
  const { as } = target;
  const client = requireClient(store, as.issuer);
  options.onProgress?.({ step: 'registered', issuer: as.issuer, clientId: client.clientId, registration: client.registration });
  const sendResource = options.sendResource ?? target.previous?.sendResource ?? true;
  const dpopKey = supportsDpop(as) ? (target.previous?.dpopKey ?? (await generateDpopKey())) : undefined;
  // No refresh token is ever used here (each token is a fresh ID-JAG), so offline_access is not asked for.
  const scopes = (target.scopes ?? []).filter((scope) => scope !== 'offline_access');
  const { token, idp } = await enterpriseGrant(as, client, { resource: target.resource, sendResource, scopes, dpopKey }, deps);
  const now = clock.now();
  const record: ConnectionRecord = {
    ...signedInRecord(target, as, client, token, sendResource, now),
    ...(dpopKey === undefined ? {} : { dpopKey }),
    managed: { by: 'enterprise', idp },
  };
  await store.putConnection(record);
  logger.info('connected (enterprise-managed)', { resource: record.resource, ...accountOf(record), issuer: record.issuer, idp, token: fingerprint(token.value), scopes: record.scopes.join(' ') });
  options.onProgress?.({ step: 'connected', connection: summarizeConnection(record, store.client(record.issuer)) });
  return record;
}

/** A new access token for a stored enterprise-managed connection, with at most `scopes` (its own, or an agent's narrower ones). */
export async function enterpriseToken(record: ConnectionRecord, scopes: readonly string[], deps: EnterpriseTokenDeps): Promise<CachedAccessToken> {
  const as = record.serverMetadata as AuthorizationServer;
  const client = requireClient(deps.store, record.issuer);
  const { token } = await enterpriseGrant(as, client, { resource: record.resource, sendResource: record.sendResource, scopes, dpopKey: record.dpopKey }, deps);
  return token;
}

export function isEnterprise(record: ConnectionRecord | undefined): boolean {
  return record?.managed?.by === 'enterprise';
}
