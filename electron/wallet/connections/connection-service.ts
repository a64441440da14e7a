/**
 * The owner's connections to MCP servers: connect (discover → register → authorize in the
 * browser → store), the owner's access token (ConnectionTokens: cached, refreshed single-flight),
 * react to 401/403 challenges (refresh, re-authorize, step-up with a bounded number of attempts),
 * disconnect (revoke, then erase locally, always). Each step is one function in electron/wallet/oauth.
 */
import type { AccessTokenResult, ConnectionSummary, DisconnectResult } from '../../../shared/connections.js';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, parseSecureUrl } from '../../../shared/url.js';
import type { Clock, Logger, Opener } from '../../base/ports.js';
import type { AccessTokenOptions, ClientSummary, ConnectOptions, PreRegisteredClient } from '../../../shared/api.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import { assertPkceSupported } from '../oauth/authorize.js';
import { buildClientConfiguration, type AuthorizationServer, type NetworkContext } from '../oauth/client-config.js';
import { bearerChallenge, type BearerChallenge } from '../../../shared/www-authenticate.js';
import { discoverAuthorization } from '../oauth/discover-authorization.js';
import type { LegacyDiscovery } from '../oauth/legacy-endpoints.js';
import { openLoopbackListener } from '../oauth/loopback.js';
import { channelFor, forgetRegistration, signIn } from './sign-in-channel.js';
import { registerClient } from '../oauth/register-client.js';
import { coversScopes, selectScopes, unionScopes } from '../oauth/select-scopes.js';
import { cachedTokenFrom, isFresh, needsReauth, notConnected, revokeRefreshToken } from '../oauth/tokens.js';
import { assertPolicyCovers } from './caller-options.js';
import type { ConnectionStore } from './connection-store.js';
import type { ConnectionTokens, TokenAudit } from './connection-tokens.js';
import { UnauthorizedAnswers } from './unauthorized.js';
import { KeyedQueue } from '../../base/async/keyed-queue.js';
import type { CachedAccessToken, ClientRecord, ConnectionRecord } from '../oauth/records.js';

export const DEFAULT_BROWSER_TIMEOUT_MS = 5 * 60_000;
/** Step-ups to the same scope set before we stop asking (T3: bounded, no loops). */
export const MAX_STEP_UPS = 2;

export interface ConnectionServiceDeps {
  store: ConnectionStore;
  /** Refreshes and client configurations of stored connections. */
  tokens: ConnectionTokens;
  net: NetworkContext;
  opener: Opener;
  clock: Clock;
  logger: Logger;
  clientMetadataUrl?: string | undefined;
  /** Where a move of a server's sign-in is audited (connection.migrated); without it, only logged. */
  audit?: TokenAudit | undefined;
}

interface AuthorizeTarget {
  resource: string;
  serverUrl: string;
  as: AuthorizationServer;
  scopes: string[] | undefined;
  resourceMetadataUrl?: string | undefined;
  resourceScopes?: string[] | undefined;
  legacyDiscovery?: LegacyDiscovery | undefined;
  previous?: ConnectionRecord | undefined;
}

export class ConnectionService {
  private readonly stepUps = new Map<string, number>();
  private readonly signIns = new KeyedQueue();

  private readonly unauthorized: UnauthorizedAnswers;

  constructor(private readonly deps: ConnectionServiceDeps) {
    this.unauthorized = new UnauthorizedAnswers({
      ...deps,
      signIns: this.signIns,
      signInAgain: (record, scopes, options) => this.authorize(this.targetFor(record, [...(scopes ?? [])]), options),
      signInMoved: (target, options) => this.authorize(target, options),
    });
  }

  list(): ConnectionSummary[] {
    return this.deps.store.connections().map((record) => this.summarize(record));
  }

  async connect(url: string, options: ConnectOptions = {}): Promise<ConnectionSummary> {
    // An explicit connect signs in the way this connection did last (--device, --paste) unless told otherwise.
    const kept = options.signIn === undefined ? this.keptSignIn(url) : undefined;
    return this.summarize(await this.connectWith(url, undefined, kept === undefined ? options : { ...options, signIn: kept }));
  }

  /**
   * Discovery (P1–P3) and authorization. `challenge` is the Bearer challenge of a 401 the caller
   * already has; without one we provoke it with an unauthenticated `initialize`. A server whose
   * `initialize` is open may still protect other methods: then its metadata is found through the
   * well-known URLs.
   */
  private async connectWith(url: string, challenge: BearerChallenge | undefined, options: ConnectOptions): Promise<ConnectionRecord> {
    const { policy, fetch } = this.deps.net;
    assertPolicyCovers(options, policy);
    const net = { fetch, policy, logger: this.deps.logger };
    const serverUrl = parseSecureUrl(url, policy, 'MCP server URL');
    const resource = canonicalResource(serverUrl, policy);
    const previous = this.deps.store.connection(resource);
    options.onProgress?.({ step: 'probing', resource });

    const discovered = await discoverAuthorization({ serverUrl, resource, challenge, rememberedIssuer: previous?.issuer, signal: options.signal }, net);
    const { as } = discovered;
    challenge = discovered.challenge;
    options.onProgress?.({ step: 'discovered', resource, issuer: as.issuer });

    const sameIssuer = previous !== undefined && previous.issuer === as.issuer ? previous : undefined;
    const scopes = selectScopes({
      requested: options.scopes,
      challenged: challenge?.scope,
      resourceSupported: discovered.resourceMetadata?.metadata.scopes_supported,
      serverSupported: as.scopes_supported,
      previouslyGranted: sameIssuer?.status === 'ok' ? sameIssuer.scopes : undefined,
    });
    return this.authorize(
      {
        resource,
        serverUrl: serverUrl.href,
        as,
        scopes,
        resourceMetadataUrl: discovered.resourceMetadata?.url,
        resourceScopes: discovered.resourceMetadata?.metadata.scopes_supported,
        legacyDiscovery: discovered.legacy,
        previous: sameIssuer,
      },
      options,
    );
  }

  async accessToken(url: string, options: AccessTokenOptions = {}): Promise<AccessTokenResult> {
    const record = this.requireConnection(url);
    if (record.status === 'needs-reauth') throw needsReauth(record, 'its last refresh was refused');
    const minTtlMs = (options.minTtlSeconds ?? 60) * 1000;
    if (isFresh(record.accessToken, this.deps.clock.now(), minTtlMs)) return toResult(record.accessToken);
    const refreshed = await this.deps.tokens.refresh(record);
    if (refreshed.accessToken === undefined) throw needsReauth(refreshed, 'no access token came back');
    return toResult(refreshed.accessToken);
  }

  async handleAuthChallenge(
    url: string,
    status: number,
    wwwAuthenticate: string | null,
    options: ConnectOptions = {},
  ): Promise<AccessTokenResult> {
    const challenge = wwwAuthenticate === null ? undefined : bearerChallenge(wwwAuthenticate);
    const record = this.findConnection(url);
    if (record === undefined || record.status === 'needs-reauth') {
      if (status !== 401 && status !== 403) throw notConnected(canonicalResource(url, this.deps.net.policy));
      const connected = await this.connectWith(url, challenge, options);
      this.unauthorized.signIns401.remember(connected);
      return toResult(requireToken(connected));
    }
    if (status === 403 && challenge?.error === 'insufficient_scope') return this.stepUp(record, challenge.scope ?? [], options);
    if (status !== 401) {
      throw new LatchkeyError(ErrorCode.AuthorizationFailed, `${record.resource} refused the request with status ${status}.`, {
        details: { resource: record.resource, status },
      });
    }
    return toResult(await this.unauthorized.answer(record, challenge, wwwAuthenticate, options));
  }

  /** The broker reports an agent's token for `resource` refused with 401 (unauthorized.ts: answerAgent). */
  async agentRefused(resource: string, wwwAuthenticate: string | null, signal?: AbortSignal): Promise<void> {
    const record = this.deps.store.connection(resource);
    const challenge = wwwAuthenticate === null ? undefined : bearerChallenge(wwwAuthenticate);
    if (record?.status === 'ok') await this.unauthorized.answerAgent(record, challenge, wwwAuthenticate, signal);
  }

  async disconnect(url: string): Promise<DisconnectResult> {
    const record = this.requireConnection(url);
    let revocation: DisconnectResult['revocation'] = 'none';
    try {
      revocation = await revokeRefreshToken(this.deps.tokens.configFor(record), record.refreshToken, this.deps.logger);
    } catch {
      revocation = 'failed';
    }
    await this.deps.store.removeConnection(record.resource);
    this.stepUps.delete(record.resource);
    this.unauthorized.signIns401.forget(record.resource);
    this.deps.logger.info('disconnected', { resource: record.resource, revocation });
    return { resource: record.resource, revocation };
  }

  listClients(): ClientSummary[] {
    return this.deps.store.clients().map((c) => ({
      issuer: c.issuer,
      clientId: c.clientId,
      registration: c.registration,
      hasSecret: c.clientSecret !== undefined,
    }));
  }

  async setClient(input: PreRegisteredClient): Promise<void> {
    parseSecureUrl(input.issuer, this.deps.net.policy, 'issuer');
    const issuer = input.issuer; // kept exactly as given: issuers are compared as strings
    await this.deps.store.putClient({
      issuer,
      clientId: input.clientId,
      ...(input.clientSecret === undefined ? {} : { clientSecret: input.clientSecret }),
      tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? (input.clientSecret === undefined ? 'none' : 'client_secret_basic'),
      registration: 'pre-registered',
      redirectUris: [],
      registeredAt: this.deps.clock.now(),
    });
  }

  removeClient(issuer: string): Promise<boolean> {
    return this.deps.store.removeClient(issuer);
  }

  /**
   * A step-up the owner approved for an agent: re-authorize in the browser with `scopes` (the
   * union), one sign-in per connection at a time, bounded like stepUp; scopes refused at the AS
   * before do not stop it (the owner just said yes). ScopeNotGranted when the AS grants less.
   */
  widen(resource: string, scopes: readonly string[], options: ConnectOptions = {}): Promise<ConnectionSummary> {
    return this.signIns.run(resource, async () => {
      const record = this.deps.store.connection(resource);
      if (record === undefined) throw notConnected(resource);
      if (!coversScopes(record.scopes, scopes)) await this.stepUp(record, [...scopes], options, true);
      const updated = this.requireConnection(resource);
      const missing = scopes.filter((s) => !updated.scopes.includes(s));
      if (missing.length > 0) {
        throw new LatchkeyError(ErrorCode.ScopeNotGranted, `The authorization server of ${resource} did not grant ${missing.join(' ')}.`, {
          hint: 'The owner may have unticked them on the consent page, or the server does not offer them.',
          details: { resource },
        });
      }
      return this.summarize(updated);
    });
  }

  /** T3: re-authorize with the union of scopes; bounded; declined upgrades are remembered. */
  private async stepUp(record: ConnectionRecord, needed: string[], options: ConnectOptions, ownerApproved = false): Promise<AccessTokenResult> {
    const wanted = unionScopes(record.scopes, needed);
    const declined = ownerApproved ? [] : needed.filter((s) => record.deniedScopes.includes(s));
    if (declined.length > 0) {
      throw new LatchkeyError(ErrorCode.StepUpLimit, `More access to ${record.resource} (${declined.join(' ')}) was declined before.`, {
        hint: `To ask again, run: latchkey connect ${record.serverUrl} --scope "${wanted.join(' ')}"`,
        details: { resource: record.resource },
      });
    }
    const key = `${record.resource} ${[...wanted].sort().join(' ')}`;
    const attempts = this.stepUps.get(key) ?? 0;
    if (attempts >= MAX_STEP_UPS || (coversScopes(record.scopes, needed) && attempts > 0)) {
      throw new LatchkeyError(ErrorCode.StepUpLimit, `${record.resource} keeps asking for more access after ${attempts} sign-ins; Latchkey stopped asking.`, {
        hint: 'The server may need scopes its authorization server does not grant. Contact its operator.',
        details: { resource: record.resource, attempts },
      });
    }
    this.stepUps.set(key, attempts + 1);
    try {
      const updated = await this.authorize(this.targetFor(record, wanted), options);
      return toResult(requireToken(updated));
    } catch (error) {
      // A refusal of the owner's own step-up is remembered on the connection; one approved for an
      // agent is remembered once, with the agent's declined step-ups (broker/step-up.ts).
      if (isLatchkeyError(error, ErrorCode.AccessDenied) && !ownerApproved) {
        await this.deps.store.updateConnection(record.resource, (current) => ({
          ...current,
          deniedScopes: unionScopes(current.deniedScopes, needed.filter((s) => !current.scopes.includes(s))),
          updatedAt: this.deps.clock.now(),
        }));
      }
      throw error;
    }
  }

  private targetFor(record: ConnectionRecord, scopes: string[]): AuthorizeTarget {
    return {
      resource: record.resource,
      serverUrl: record.serverUrl,
      as: record.serverMetadata as AuthorizationServer,
      scopes: scopes.length === 0 ? undefined : scopes,
      resourceMetadataUrl: record.resourceMetadataUrl,
      resourceScopes: record.resourceScopes,
      legacyDiscovery: record.legacyDiscovery,
      previous: record,
    };
  }

  /** Register (if needed), run the browser flow, and store the connection. */
  private async authorize(target: AuthorizeTarget, options: ConnectOptions): Promise<ConnectionRecord> {
    const { store, net, clock, logger } = this.deps;
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
        clientMetadataUrl: this.deps.clientMetadataUrl,
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
    const tokens = await signIn({
      config: buildClientConfiguration(as, client, net),
      listener,
      resource: target.resource,
      sendResource,
      scopes: target.scopes,
      options,
      opener: this.deps.opener,
      policy: net.policy,
      clock,
      timeoutMs: options.timeoutMs ?? DEFAULT_BROWSER_TIMEOUT_MS,
    });
    const now = clock.now();
    const accessToken = cachedTokenFrom(tokens, target.scopes, now);
    const refreshToken = typeof tokens.refresh_token === 'string' ? tokens.refresh_token : undefined;
    const record: ConnectionRecord = {
      resource: target.resource,
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
      ...(channel.callbackPort === undefined ? {} : { callbackPort: channel.callbackPort }),
      ...(channel.signIn === undefined ? {} : { signIn: channel.signIn }),
      ...(refreshToken === undefined ? {} : { refreshToken }),
      accessToken,
      status: 'ok',
      connectedAt: target.previous?.connectedAt ?? now,
      updatedAt: now,
    };
    await store.putConnection(record);
    logger.info('connected', { resource: record.resource, issuer: record.issuer, token: fingerprint(accessToken.value), scopes: record.scopes.join(' ') });
    options.onProgress?.({ step: 'connected', connection: this.summarize(record) });
    return record;
  }

  private keptSignIn(url: string): ConnectionRecord['signIn'] {
    try {
      return this.findConnection(url)?.signIn;
    } catch {
      return undefined; // connectWith reports the URL's problem
    }
  }

  private findConnection(url: string): ConnectionRecord | undefined {
    return this.deps.store.connection(canonicalResource(url, this.deps.net.policy));
  }

  private requireConnection(url: string): ConnectionRecord {
    const record = this.findConnection(url);
    if (record === undefined) {
      throw notConnected(
        canonicalResource(url, this.deps.net.policy),
        this.deps.store.connections().map((connection) => connection.resource),
      );
    }
    return record;
  }

  private summarize(record: ConnectionRecord): ConnectionSummary {
    return {
      resource: record.resource,
      issuer: record.issuer,
      clientId: record.clientId,
      registration: this.deps.store.client(record.issuer)?.registration ?? 'dcr',
      scopes: record.scopes,
      status: record.status,
      ...(record.accessToken === undefined ? {} : { accessTokenExpiresAt: record.accessToken.expiresAt }),
      ...(record.accessToken?.lifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds: record.accessToken.lifetimeSeconds }),
      hasRefreshToken: record.refreshToken !== undefined,
      ...(record.sendResource ? {} : { sendResource: false }),
      ...(record.callbackPort === undefined ? {} : { callbackPort: record.callbackPort }),
      ...(record.signIn === undefined ? {} : { signIn: record.signIn }),
      connectedAt: record.connectedAt,
      updatedAt: record.updatedAt,
    };
  }
}

function toResult(token: CachedAccessToken): AccessTokenResult {
  return {
    accessToken: token.value,
    tokenType: 'Bearer',
    expiresAt: token.expiresAt,
    scope: token.scope,
    ...(token.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: token.lifetimeSeconds }),
  };
}

function requireToken(record: ConnectionRecord): CachedAccessToken {
  if (record.accessToken === undefined) throw needsReauth(record, 'no access token came back');
  return record.accessToken;
}
