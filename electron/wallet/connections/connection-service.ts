/**
 * The owner's connections to MCP servers: connect (discover, then sign in: authorize-connection.ts),
 * the owner's access token (ConnectionTokens: cached, refreshed single-flight), react to 401/403
 * challenges (unauthorized.ts: refresh, re-authorize, a moved sign-in; step-ups.ts: more scopes,
 * bounded), disconnect (revoke, then erase locally, always). Client registrations are
 * client-registrations.ts's. Each protocol step is one function in electron/wallet/oauth.
 */
import type { AccessTokenResult, ConnectionSummary, DisconnectResult } from '../../../shared/connections.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, parseSecureUrl } from '../../../shared/url.js';
import type { Clock, Logger, Opener } from '../../base/ports.js';
import type { AccessTokenOptions, ClientSummary, ConnectOptions, PreRegisteredClient } from '../../../shared/api.js';
import type { NetworkContext } from '../oauth/client-config.js';
import { bearerChallenge, type BearerChallenge } from '../../../shared/www-authenticate.js';
import { coversScopes, selectScopes } from '../oauth/select-scopes.js';
import { connectionProof, type ResourceProofRequest } from '../oauth/dpop-proof.js';
import type { DpopHandles } from '../oauth/dpop-key.js';
import { isFresh, needsReauth, notConnected, revokeRefreshToken } from '../oauth/tokens.js';
import { authorizeConnection, targetFor, type AuthorizeTarget } from './authorize-connection.js';
import { assertPolicyCovers } from './caller-options.js';
import { ClientRegistrations } from './client-registrations.js';
import { requireToken, summarizeConnection, toAccessTokenResult } from './connection-summary.js';
import type { ConnectionStore } from './connection-store.js';
import type { ConnectionTokens, TokenAudit } from './connection-tokens.js';
import { awaitOwnerSignIn, isOpen, keptChallenge, noSignInNeeded, storeOpenConnection } from './open-connections.js';
import { StepUps } from './step-ups.js';
import { UnauthorizedAnswers } from './unauthorized.js';
import { KeyedQueue } from '../../base/async/keyed-queue.js';
import type { ConnectionRecord } from '../oauth/records.js';
import { accountOf, connectionKey, type ConnectionRef } from './accounts.js';
import { connectEnterprise, isEnterprise, type IdJagSource } from './enterprise-connection.js';

export { DEFAULT_BROWSER_TIMEOUT_MS } from './authorize-connection.js';
export { MAX_STEP_UPS } from './step-ups.js';

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
  /** ID-JAGs from the organisation's identity provider, for enterprise-managed connections (R7). */
  idJags?: IdJagSource | undefined;
  /** The wallet's DPoP handles, shared with refreshes (oauth/dpop-key.ts). */
  dpopHandles?: DpopHandles | undefined;
}

export class ConnectionService {
  private readonly signIns = new KeyedQueue();
  private readonly unauthorized: UnauthorizedAnswers;
  private readonly stepUps: StepUps;
  private readonly clients: ClientRegistrations;

  constructor(private readonly deps: ConnectionServiceDeps) {
    const signInAgain = (record: ConnectionRecord, scopes: readonly string[] | undefined, options: ConnectOptions): Promise<ConnectionRecord> =>
      this.authorize(targetFor(record, [...(scopes ?? [])]), options);
    this.unauthorized = new UnauthorizedAnswers({
      ...deps,
      signIns: this.signIns,
      signInAgain,
      signInMoved: (target, options) => this.authorize(target, options),
    });
    this.stepUps = new StepUps({ ...deps, signInAgain });
    this.clients = new ClientRegistrations(deps);
  }

  list(): ConnectionSummary[] {
    return this.deps.store.connections().map((record) => this.summarize(record));
  }

  /** `options.account`: sign in as that account of the server (T8), kept as its own connection. */
  async connect(url: string, options: ConnectOptions = {}): Promise<ConnectionSummary> {
    // An explicit connect signs in the way this connection did last (--device, --paste) unless told otherwise.
    const kept = options.signIn === undefined ? this.keptSignIn(url, options.account) : undefined;
    return this.summarize(await this.connectWith(url, undefined, kept === undefined ? options : { ...options, signIn: kept }, 'may-stay-open'));
  }

  /**
   * Discovery (P1–P3) and authorization. `challenge` is the Bearer challenge of a 401 the caller
   * already has (or the one an agent met on an open connection); without one the server is probed.
   * A server that answers the probe without a token, on an explicit connect that names no scopes,
   * is stored as open and nobody signs in until its first 401 (T9). Otherwise an open server's
   * metadata is found through the well-known URLs.
   */
  private async connectWith(url: string, challenge: BearerChallenge | undefined, options: ConnectOptions, whenOpen: 'may-stay-open' | 'sign-in' = 'sign-in'): Promise<ConnectionRecord> {
    const { policy, fetch } = this.deps.net;
    assertPolicyCovers(options, policy);
    const net = { fetch, policy, logger: this.deps.logger };
    const serverUrl = parseSecureUrl(url, policy, 'MCP server URL');
    const resource = canonicalResource(serverUrl, policy);
    const { account } = options;
    const previous = this.deps.store.connection({ resource, account });
    options.onProgress?.({ step: 'probing', resource });
    challenge ??= keptChallenge(previous);
    const mayStayOpen = whenOpen === 'may-stay-open' && challenge === undefined && options.scopes === undefined && (previous === undefined || isOpen(previous));
    const input = { serverUrl, resource, challenge, rememberedIssuer: previous?.issuer, signal: options.signal };
    // Discovery, and the MCP SDK its probe speaks, load on the first connect, not with the wallet.
    const { discoverAuthorization, discoverUnlessOpen } = await import('../oauth/discover-authorization.js');
    const discovered = mayStayOpen ? await discoverUnlessOpen(input, net) : { kind: 'protected' as const, ...(await discoverAuthorization(input, net)) };
    if (discovered.kind === 'open') {
      const open = await storeOpenConnection({ resource, account, serverUrl: serverUrl.href, now: this.deps.clock.now(), previous, options }, discovered.probe.era, this.deps);
      options.onProgress?.({ step: 'connected', connection: this.summarize(open) });
      return open;
    }
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
        account,
        serverUrl: serverUrl.href,
        as,
        scopes,
        resourceMetadataUrl: discovered.resourceMetadata?.url,
        resourceScopes: discovered.resourceMetadata?.metadata.scopes_supported,
        legacyDiscovery: discovered.legacy,
        // An open connection's first sign-in keeps its start and sign-in channel.
        previous: sameIssuer ?? (isOpen(previous) ? previous : undefined),
      },
      options,
    );
  }

  async accessToken(url: string, options: AccessTokenOptions = {}): Promise<AccessTokenResult> {
    const record = this.requireConnection(url, options.account);
    if (isOpen(record) && record.status === 'ok') throw noSignInNeeded(record);
    if (record.status === 'needs-reauth') throw needsReauth(record, isOpen(record) ? 'the server now asks for a sign-in' : 'its last refresh was refused');
    const minTtlMs = (options.minTtlSeconds ?? 60) * 1000;
    if (isFresh(record.accessToken, this.deps.clock.now(), minTtlMs)) return toAccessTokenResult(record.accessToken);
    const refreshed = await this.deps.tokens.refresh(record);
    if (refreshed.accessToken === undefined) throw needsReauth(refreshed, 'no access token came back');
    return toAccessTokenResult(refreshed.accessToken);
  }

  /** A DPoP proof for one request with the connection's token (oauth/dpop-proof.ts); the key stays here. */
  async dpopProof(url: string, account: string | undefined, request: ResourceProofRequest): Promise<string> {
    return connectionProof(this.requireConnection(url, account), request, this.deps.clock.now());
  }

  async handleAuthChallenge(
    url: string,
    status: number,
    wwwAuthenticate: string | null,
    options: ConnectOptions = {},
  ): Promise<AccessTokenResult> {
    const challenge = wwwAuthenticate === null ? undefined : bearerChallenge(wwwAuthenticate);
    const record = this.findConnection(url, options.account);
    if (record === undefined || record.status === 'needs-reauth' || isOpen(record)) {
      if (status !== 401 && status !== 403) throw notConnected(canonicalResource(url, this.deps.net.policy), [], options.account);
      // The account the stored connection is (the default or only one), or the one named.
      if (record !== undefined && options.account === undefined) options = { ...options, ...accountOf(record) };
      // An open connection's first 401 (T9): a 401 without a Bearer challenge still means "sign in".
      const connected = await this.connectWith(url, challenge ?? (isOpen(record) ? {} : undefined), options);
      this.unauthorized.signIns401.remember(connected);
      return toAccessTokenResult(requireToken(connected));
    }
    if (status === 403 && challenge?.error === 'insufficient_scope') return this.stepUps.stepUp(record, challenge.scope ?? [], options);
    if (status !== 401) {
      throw new LatchkeyError(ErrorCode.AuthorizationFailed, `${record.resource} refused the request with status ${status}.`, {
        details: { resource: record.resource, status },
      });
    }
    return toAccessTokenResult(await this.unauthorized.answer(record, challenge, wwwAuthenticate, options));
  }

  /** The broker reports an agent's token for this connection refused with 401 (unauthorized.ts: answerAgent). */
  async agentRefused(ref: ConnectionRef, wwwAuthenticate: string | null, signal?: AbortSignal): Promise<void> {
    const record = this.deps.store.connection(ref);
    const challenge = wwwAuthenticate === null ? undefined : bearerChallenge(wwwAuthenticate);
    if (record !== undefined && isOpen(record) && record.status === 'ok') await awaitOwnerSignIn(record, challenge, this.deps);
    if (record?.status === 'ok') await this.unauthorized.answerAgent(record, challenge, wwwAuthenticate, signal);
  }

  /** `account`: which account of the server (T8); none: the default or only one. */
  async disconnect(url: string, account?: string): Promise<DisconnectResult> {
    const record = this.requireConnection(url, account);
    let revocation: DisconnectResult['revocation'] = 'none';
    try {
      if (!isOpen(record)) revocation = await revokeRefreshToken(this.deps.tokens.configFor(record), record.refreshToken, this.deps.logger);
    } catch {
      revocation = 'failed';
    }
    await this.deps.store.removeConnection(record);
    this.stepUps.forget(record);
    this.unauthorized.signIns401.forget(record);
    this.deps.logger.info('disconnected', { resource: record.resource, ...accountOf(record), revocation });
    return { resource: record.resource, ...accountOf(record), revocation };
  }

  listClients(): ClientSummary[] {
    return this.clients.list();
  }

  setClient(input: PreRegisteredClient): Promise<void> {
    return this.clients.set(input);
  }

  removeClient(issuer: string): Promise<boolean> {
    return this.clients.remove(issuer);
  }

  /**
   * A step-up the owner approved for an agent: re-authorize in the browser with `scopes` (the
   * union), one sign-in per connection at a time, bounded like stepUp; scopes refused at the AS
   * before do not stop it (the owner just said yes). ScopeNotGranted when the AS grants less.
   */
  widen(ref: ConnectionRef, scopes: readonly string[], options: ConnectOptions = {}): Promise<ConnectionSummary> {
    const { resource } = ref;
    return this.signIns.run(connectionKey(ref), async () => {
      const record = this.deps.store.connection(ref);
      if (record === undefined) throw notConnected(resource, [], ref.account);
      if (isOpen(record)) throw noSignInNeeded(record);
      if (!coversScopes(record.scopes, scopes)) await this.stepUps.stepUp(record, [...scopes], options, true);
      const updated = this.deps.store.connection(ref);
      if (updated === undefined) throw notConnected(resource, [], ref.account);
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

  private authorize(target: AuthorizeTarget, options: ConnectOptions): Promise<ConnectionRecord> {
    // Enterprise-managed (R7): asked for, or how this connection was made; never a browser at its server.
    if (options.enterprise === true || (options.enterprise === undefined && isEnterprise(target.previous))) return connectEnterprise(target, options, this.deps);
    return authorizeConnection(target, options, this.deps);
  }

  private keptSignIn(url: string, account: string | undefined): ConnectionRecord['signIn'] {
    try {
      return this.deps.store.connection({ resource: canonicalResource(url, this.deps.net.policy), account })?.signIn;
    } catch {
      return undefined; // connectWith reports the URL's problem
    }
  }

  /** The named account of the server, else its default or only one (T8: AccountAmbiguous when several and none named). */
  private findConnection(url: string, account: string | undefined): ConnectionRecord | undefined {
    return this.deps.store.resolve(canonicalResource(url, this.deps.net.policy), account);
  }

  private requireConnection(url: string, account: string | undefined): ConnectionRecord {
    const record = this.findConnection(url, account);
    if (record === undefined) {
      throw notConnected(
        canonicalResource(url, this.deps.net.policy),
        this.deps.store.connections().map((connection) => connection.resource),
        account,
      );
    }
    return record;
  }

  private summarize(record: ConnectionRecord): ConnectionSummary {
    return summarizeConnection(record, this.deps.store.client(record.issuer));
  }
}
