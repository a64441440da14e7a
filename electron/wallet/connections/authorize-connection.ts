/**
 * One sign-in of a connection: register a client at the authorization server if the wallet has
 * none there (DCR, CIMD), run the sign-in on its channel (browser, paste, device), and store the
 * connection with what the server granted. Every caller's sign-in ends here: connect, 401, step-up,
 * a moved authorization server.
 */
import type { ConnectOptions } from '../../../shared/api.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import type { Clock, Logger, Opener } from '../../base/ports.js';
import { accountPrompt, assertPkceSupported } from '../oauth/authorize.js';
import { buildClientConfiguration, type AuthorizationServer, type NetworkContext } from '../oauth/client-config.js';
import type { LegacyDiscovery } from '../oauth/legacy-endpoints.js';
import { openLoopbackListener } from '../oauth/loopback.js';
import type { CachedAccessToken, ClientRecord, ConnectionRecord } from '../oauth/records.js';
import { registerClient } from '../oauth/register-client.js';
import { DpopHandles, generateDpopKey, supportsDpop } from '../oauth/dpop-key.js';
import { cachedTokenFrom } from '../oauth/tokens.js';
import { accountOf } from './accounts.js';
import type { ConnectionStore } from './connection-store.js';
import { summarizeConnection } from './connection-summary.js';
import { channelFor, forgetRegistration, signIn } from './sign-in-channel.js';

export const DEFAULT_BROWSER_TIMEOUT_MS = 5 * 60_000;

export interface AuthorizeTarget {
  resource: string;
  /** The account this sign-in is for (T8); absent: the default account. */
  account?: string | undefined;
  serverUrl: string;
  as: AuthorizationServer;
  scopes: string[] | undefined;
  resourceMetadataUrl?: string | undefined;
  resourceScopes?: string[] | undefined;
  legacyDiscovery?: LegacyDiscovery | undefined;
  previous?: ConnectionRecord | undefined;
}

export interface AuthorizeDeps {
  store: ConnectionStore;
  net: NetworkContext;
  opener: Opener;
  clock: Clock;
  logger: Logger;
  clientMetadataUrl?: string | undefined;
  /** The wallet's DPoP handles: the nonce the sign-in learns serves the first refresh too. */
  dpopHandles?: DpopHandles | undefined;
}

/** A sign-in again at a stored connection's own authorization server, asking for `scopes` (none: the server's default). */
export function targetFor(record: ConnectionRecord, scopes: string[]): AuthorizeTarget {
  return {
    resource: record.resource,
    account: record.account,
    serverUrl: record.serverUrl,
    as: record.serverMetadata as AuthorizationServer,
    scopes: scopes.length === 0 ? undefined : scopes,
    resourceMetadataUrl: record.resourceMetadataUrl,
    resourceScopes: record.resourceScopes,
    legacyDiscovery: record.legacyDiscovery,
    previous: record,
  };
}

/**
 * T8: a sign-in for a labelled account, or for any account of a server another account is connected
 * to, must not ride the browser's session of that other account (its prompt is accountPrompt's).
 */
function otherAccountsOf(store: ConnectionStore, target: AuthorizeTarget): boolean {
  return target.account !== undefined || store.connections().some((c) => c.resource === target.resource && c.account !== target.account);
}

/** Register (if needed), run the sign-in, and store the connection. */
export async function authorizeConnection(target: AuthorizeTarget, options: ConnectOptions, deps: AuthorizeDeps): Promise<ConnectionRecord> {
  const { store, net, clock, logger } = deps;
  const { as } = target;
  const device = options.signIn === 'device';
  if (!device) assertPkceSupported(as); // A1: before registering or opening anything
  const channel = channelFor(target.previous, options);
  const stored = options.reregister === true ? forgetRegistration(store.client(as.issuer)) : store.client(as.issuer);
  const listener = device ? undefined : await openLoopbackListener({ preferredPort: stored?.preferredPort, exactPort: channel.callbackPort });
  let client: ClientRecord;
  try {
    const registration = await registerClient({
      as,
      stored,
      clientMetadataUrl: deps.clientMetadataUrl,
      loopbackPort: listener?.port,
      exactPort: channel.callbackPort !== undefined,
      deviceFlow: device,
      net,
      clock,
    });
    client = registration.record;
    if (registration.created) await store.putClient(client);
    options.onProgress?.({ step: 'registered', issuer: as.issuer, clientId: client.clientId, registration: client.registration });
  } catch (error) {
    await listener?.close();
    throw error;
  }
  const { sendResource } = channel;
  // A connection keeps its DPoP key across sign-ins; the vault holds it, nothing else sees it.
  const dpopKey = supportsDpop(as) ? (target.previous?.dpopKey ?? (await generateDpopKey())) : undefined;
  const config = buildClientConfiguration(as, client, net);
  const tokens = await signIn({
    config,
    dpop: await (deps.dpopHandles ?? new DpopHandles()).handleFor(config, dpopKey),
    listener,
    resource: target.resource,
    prompt: otherAccountsOf(store, target) ? accountPrompt(as) : undefined,
    sendResource,
    scopes: target.scopes,
    options,
    opener: deps.opener,
    policy: net.policy,
    clock,
    timeoutMs: options.timeoutMs ?? DEFAULT_BROWSER_TIMEOUT_MS,
  });
  const now = clock.now();
  const accessToken = cachedTokenFrom(tokens, target.scopes, now);
  const refreshToken = typeof tokens.refresh_token === 'string' ? tokens.refresh_token : undefined;
  const record: ConnectionRecord = {
    ...signedInRecord(target, as, client, accessToken, sendResource, now),
    ...(channel.callbackPort === undefined ? {} : { callbackPort: channel.callbackPort }),
    ...(channel.signIn === undefined ? {} : { signIn: channel.signIn }),
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(dpopKey === undefined ? {} : { dpopKey }),
  };
  await store.putConnection(record);
  logger.info('connected', { resource: record.resource, ...accountOf(record), issuer: record.issuer, token: fingerprint(accessToken.value), scopes: record.scopes.join(' ') });
  options.onProgress?.({ step: 'connected', connection: summarizeConnection(record, store.client(record.issuer)) });
  return record;
}

/** What every sign-in stores of a connection (browser, device, paste or enterprise-managed): the target, its AS and client, the token and when. */
export function signedInRecord(
  target: AuthorizeTarget,
  as: AuthorizationServer,
  client: Pick<ClientRecord, 'clientId'>,
  accessToken: CachedAccessToken,
  sendResource: boolean,
  now: number,
): ConnectionRecord {
  return {
    resource: target.resource,
    ...(target.account === undefined ? {} : { account: target.account }),
    serverUrl: target.serverUrl,
    issuer: as.issuer,
    clientId: client.clientId,
    serverMetadata: { ...as },
    ...(target.resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl: target.resourceMetadataUrl }),
    ...(target.resourceScopes === undefined ? {} : { resourceScopes: target.resourceScopes }),
    ...(target.legacyDiscovery === undefined ? {} : { legacyDiscovery: target.legacyDiscovery }),
    scopes: accessToken.scope,
    deniedScopes: (target.previous?.deniedScopes ?? []).filter((s) => !accessToken.scope.includes(s)),
    sendResource,
    accessToken,
    status: 'ok',
    connectedAt: target.previous?.connectedAt ?? now,
    updatedAt: now,
  };
}
