/**
 * Tokens for agents' own clients (protocol.md R5): setting a client up (the MCP server's
 * authorization server discovered once, P1–P3, and kept with the client; a key pair generated
 * when asked) and the client credentials grant for a hand-out, cached per agent, resource and
 * scopes until shortly before it expires, one request in flight per key. A workload identity
 * (R6) is kept the same way and gets its tokens with the JWT-bearer grant and its platform token.
 * When the authorization server advertises DPoP (A8), the client gets a DPoP key of its own, kept in
 * the vault: its tokens are bound to it and the wallet signs the agent's resource proofs with it.
 */
import type { JWK } from 'jose';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource } from '../../../shared/url.js';
import type { Clock, Logger } from '../../base/ports.js';
import type { NetworkContext } from '../oauth/client-config.js';
import { chooseAuthorizationServer, discoverResource } from '../oauth/discover-resource.js';
import { discoverIssuer } from '../oauth/discover-issuer.js';
import { redeemJwtBearer } from '../oauth/jwt-bearer.js';
import { DpopHandles, generateDpopKey, supportsDpop } from '../oauth/dpop-key.js';
import { accessTokenHash, connectionProof, type ResourceProofRequest } from '../oauth/dpop-proof.js';
import type { WorkloadTokenSource } from '../oauth/client-credentials.js';
import { processWorkloadTokenReader, type WorkloadTokenReader } from './workload-token.js';
import { clientCredentialsToken, generateAgentKey, publicJwkOf, revokeAgentClientToken, type AgentClientAuth, type AgentKeyAlgorithm } from '../oauth/client-credentials.js';
import { registerAgentClient } from '../oauth/register-client.js';
import type { TokenRevocationResult } from '../../../shared/connections.js';
import type { CachedAccessToken } from '../oauth/records.js';
import type { AuthorizationServer } from '../oauth/discover-issuer.js';
import type { AgentClientStore, AgentClientSummary } from './agent-client-store.js';

/** A cached token is handed out again only while it has at least this long to live. */
export const MIN_REMAINING_MS = 30_000;

export interface AddAgentClient {
  agentId: string;
  /** The MCP server the client is for (its authorization server is discovered from it). */
  serverUrl: string;
  clientId: string;
  /** A secret (client_secret_basic), a key to generate or a key the owner already has (private_key_jwt). */
  credential:
    | { clientSecret: string }
    | { generateKey: AgentKeyAlgorithm }
    | { privateJwk: Extract<AgentClientAuth, { method: 'private_key_jwt' }>['privateJwk']; alg: AgentKeyAlgorithm }
    /** A workload identity (R6): where its platform token is read at every grant; `clientId` may be empty. */
    | { workloadToken: WorkloadTokenSource };
}

/** A client to register by DCR for a key Latchkey generates (its public JWK in `jwks`): the AS assigns the id. */
export interface RegisterAgentClient {
  agentId: string;
  serverUrl: string;
  key: AgentKeyAlgorithm;
  clientName: string;
  scopes: readonly string[];
}

export interface AddedAgentClient {
  client: AgentClientSummary;
  /** The public JWK to register at the authorization server, when a key was generated. */
  publicJwk?: JWK;
  /** The scopes the server advertises (its protected resource metadata, else its AS's); empty when neither says. */
  scopesSupported: string[];
}

/** A token an agent's own client was issued, as a revocation needs it. */
export interface HeldAgentToken {
  agentId: string;
  resource: string;
  accessToken: string;
  expiresAt: number;
  scope: string[];
  /** 'DPoP': bound to the client's DPoP key (used with a proof the wallet signs); absent: Bearer. */
  tokenType?: 'DPoP';
}

export interface AgentClientTokensDeps {
  store: AgentClientStore;
  net: NetworkContext;
  clock: Clock;
  logger: Logger;
  /** Reads workload identities' platform tokens (default: files and the wallet process' environment). */
  workloadTokens?: WorkloadTokenReader;
}

export class AgentClientTokens {
  private readonly cache = new Map<string, Promise<CachedAccessToken>>();
  /** Tokens issued and not yet expired, per cache key: what removing the agent revokes. */
  private readonly issued = new Map<string, HeldAgentToken>();
  /** openid-client's DPoP handles per AS and key: a grant carries the server's last nonce. */
  private readonly dpopHandles = new DpopHandles();

  constructor(private readonly deps: AgentClientTokensDeps) {}

  /** What the owner sees of the clients (all, or one agent's). */
  list(agentId?: string): AgentClientSummary[] {
    return this.deps.store.list(agentId);
  }

  has(agentId: string, resource: string): boolean {
    return this.deps.store.get(agentId, resource) !== undefined;
  }

  /** Discovers the server's authorization server and keeps the agent's client for it. */
  async add(input: AddAgentClient, signal?: AbortSignal): Promise<AddedAgentClient> {
    const { resource, found, metadata } = await this.discover(input.serverUrl, signal);
    let auth: AgentClientAuth;
    let publicJwk: JWK | undefined;
    if ('workloadToken' in input.credential) {
      auth = { method: 'workload_token', source: input.credential.workloadToken };
    } else if ('clientSecret' in input.credential) {
      auth = { method: 'client_secret_basic', clientSecret: input.credential.clientSecret };
    } else if ('privateJwk' in input.credential) {
      auth = { method: 'private_key_jwt', alg: input.credential.alg, privateJwk: input.credential.privateJwk };
    } else {
      const key = await generateAgentKey(input.credential.generateKey);
      auth = { method: 'private_key_jwt', alg: key.alg, privateJwk: { ...key.privateJwk, kty: key.privateJwk.kty ?? 'EC' } };
      publicJwk = key.publicJwk;
    }
    return this.keep(input.agentId, resource, found.metadata.scopes_supported, metadata, input.clientId, auth, publicJwk);
  }

  /** Discovers the server's authorization server, registers a client there for a new key (DCR) and keeps it. */
  async register(input: RegisterAgentClient, signal?: AbortSignal): Promise<AddedAgentClient> {
    const { resource, found, metadata } = await this.discover(input.serverUrl, signal);
    const key = await generateAgentKey(input.key);
    const clientId = await registerAgentClient(metadata, { clientName: input.clientName, publicJwk: { ...key.publicJwk }, scopes: input.scopes }, this.deps.net);
    const auth: AgentClientAuth = { method: 'private_key_jwt', alg: key.alg, privateJwk: { ...key.privateJwk, kty: key.privateJwk.kty ?? 'EC' } };
    return this.keep(input.agentId, resource, found.metadata.scopes_supported, metadata, clientId, auth, key.publicJwk);
  }

  private async discover(serverUrl: string, signal: AbortSignal | undefined): Promise<{ resource: string; found: Awaited<ReturnType<typeof discoverResource>>; metadata: AuthorizationServer }> {
    const resource = canonicalResource(serverUrl, this.deps.net.policy);
    const discoveryDeps = { ...this.deps.net, logger: this.deps.logger, signal };
    const found = await discoverResource(resource, undefined, discoveryDeps);
    const metadata = await discoverIssuer(chooseAuthorizationServer(found.metadata.authorization_servers), discoveryDeps);
    return { resource, found, metadata };
  }

  private async keep(
    agentId: string,
    resource: string,
    resourceScopes: readonly string[] | undefined,
    metadata: AuthorizationServer,
    clientId: string,
    auth: AgentClientAuth,
    publicJwk: JWK | undefined,
  ): Promise<AddedAgentClient> {
    const issuer = metadata.issuer;
    const dpopKey = supportsDpop(metadata) ? await generateDpopKey() : undefined;
    const client = await this.deps.store.put({
      agentId,
      resource,
      issuer,
      clientId,
      auth,
      serverMetadata: { ...metadata },
      sendResource: true,
      ...(dpopKey === undefined ? {} : { dpopKey }),
      createdAt: this.deps.clock.now(),
    });
    this.forget(agentId, resource);
    this.deps.logger.info('identity: agent client added', { agentId, resource, issuer, method: auth.method, ...(client.keyThumbprint === undefined ? {} : { kid: client.keyThumbprint }), ...(client.dpopThumbprint === undefined ? {} : { dpopJkt: client.dpopThumbprint }) });
    const scopesSupported = resourceScopes ?? metadata.scopes_supported ?? [];
    return { client, ...(publicJwk === undefined ? {} : { publicJwk }), scopesSupported: [...scopesSupported] };
  }

  /** The public JWKs of the agent's own clients' keys (one server's, or all): never a private member. */
  publicKeys(agentId: string, resource?: string): JWK[] {
    return this.deps.store
      .entries(agentId)
      .filter((entry) => resource === undefined || entry.resource === resource)
      .flatMap((entry) => (entry.auth.method === 'private_key_jwt' ? [publicJwkOf(entry.auth.privateJwk) as JWK] : []));
  }

  /** The unexpired tokens the agent's own clients were issued (to revoke them when the agent goes). */
  held(agentId: string): HeldAgentToken[] {
    const now = this.deps.clock.now();
    return [...this.issued.values()].filter((token) => token.agentId === agentId && token.expiresAt > now);
  }

  /** Revokes one of the agent's tokens at its client's authorization server, as that client (RFC 7009). */
  async revoke(agentId: string, resource: string, accessToken: string): Promise<TokenRevocationResult> {
    const entry = this.deps.store.get(agentId, resource);
    if (entry === undefined) return { outcome: 'none', error: 'no_client' };
    return revokeAgentClientToken(entry.serverMetadata as AuthorizationServer, entry, accessToken, this.deps.net);
  }

  /** Removes the agent's clients (one resource, or all) and forgets their cached tokens. */
  async remove(agentId: string, resource?: string): Promise<AgentClientSummary[]> {
    const removed = await this.deps.store.remove(agentId, resource);
    for (const client of removed) {
      this.forget(agentId, client.resource);
      for (const [key, token] of [...this.issued]) if (token.agentId === agentId && token.resource === client.resource) this.issued.delete(key);
    }
    return removed;
  }

  /** A token from the agent's own client for the resource and scopes: cached, or one client credentials grant. */
  async token(agentId: string, resource: string, scopes: readonly string[]): Promise<CachedAccessToken> {
    const key = `${agentId} ${resource} ${[...scopes].sort().join(' ')}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      const token = await cached.catch(() => undefined);
      if (token !== undefined && token.expiresAt - this.deps.clock.now() > MIN_REMAINING_MS) return token;
      if (this.cache.get(key) !== cached) return this.token(agentId, resource, scopes);
    }
    const minting = this.mint(agentId, resource, scopes);
    this.cache.set(key, minting);
    minting.then(
      (token) => this.issued.set(key, { agentId, resource, accessToken: token.value, expiresAt: token.expiresAt, scope: token.scope, ...(token.tokenType === undefined ? {} : { tokenType: token.tokenType }) }),
      () => {
        if (this.cache.get(key) === minting) this.cache.delete(key);
      },
    );
    return minting;
  }

  /** Whether a live DPoP token the agent's own client was issued for the resource has this hash (`ath`). */
  holds(agentId: string, resource: string, ath: string): boolean {
    return this.liveDpopToken(agentId, resource, ath) !== undefined;
  }

  /**
   * A DPoP proof (RFC 9449) for one request with the agent's own client's token whose hash is
   * `ath`, signed with that client's key and only for the resource's origin; a token that is not
   * the client's, not live or not DPoP-bound is refused (grant.denied).
   */
  async proof(agentId: string, resource: string, request: ResourceProofRequest): Promise<string> {
    const entry = this.deps.store.get(agentId, resource);
    if (entry === undefined || this.liveDpopToken(agentId, resource, request.ath) === undefined) {
      throw new LatchkeyError(ErrorCode.GrantDenied, `No DPoP token the agent's own client was issued for ${resource} is live.`, {
        hint: 'Ask for a token again (latchkey mcp does this by itself).',
        details: { resource },
      });
    }
    return connectionProof(entry, request, this.deps.clock.now());
  }

  private liveDpopToken(agentId: string, resource: string, ath: string): HeldAgentToken | undefined {
    const now = this.deps.clock.now();
    return [...this.issued.values()].find(
      (token) => token.agentId === agentId && token.resource === resource && token.tokenType === 'DPoP' && token.expiresAt > now && accessTokenHash(token.accessToken) === ath,
    );
  }

  /** Drops cached tokens of one agent (for one resource, or all): after a revoke or a removal. */
  forget(agentId: string, resource?: string): void {
    const prefix = resource === undefined ? `${agentId} ` : `${agentId} ${resource} `;
    for (const key of [...this.cache.keys()]) if (key.startsWith(prefix)) this.cache.delete(key);
  }

  private async mint(agentId: string, resource: string, scopes: readonly string[]): Promise<CachedAccessToken> {
    const entry = this.deps.store.get(agentId, resource);
    if (entry === undefined) throw new LatchkeyError(ErrorCode.ClientNotFound, `The agent has no client of its own for ${resource}.`);
    const as = entry.serverMetadata as AuthorizationServer;
    if (entry.auth.method === 'workload_token') {
      // Read at every grant: the platform may have rotated it since the last one.
      const assertion = await (this.deps.workloadTokens ?? processWorkloadTokenReader()).read(entry.auth.source);
      const request = { assertion, resource: entry.sendResource ? resource : undefined, scopes, dpopKey: entry.dpopKey, dpopHandles: this.dpopHandles };
      return redeemJwtBearer(as, { clientId: entry.clientId }, request, this.deps.net, () => this.deps.clock.now());
    }
    const request = { resource: entry.sendResource ? resource : undefined, scopes, dpopKey: entry.dpopKey, dpopHandles: this.dpopHandles };
    return clientCredentialsToken(as, entry, request, this.deps.net, () => this.deps.clock.now());
  }
}
