/**
 * Tokens for agents' own clients (protocol.md R5): setting a client up (the MCP server's
 * authorization server discovered once, P1–P3, and kept with the client; a key pair generated
 * when asked) and the client credentials grant for a hand-out, cached per agent, resource and
 * scopes until shortly before it expires, one request in flight per key. A workload identity
 * (R6) is kept the same way and gets its tokens with the JWT-bearer grant and its platform token.
 */
import type { JWK } from 'jose';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource } from '../../../shared/url.js';
import type { Clock, Logger } from '../../base/ports.js';
import type { NetworkContext } from '../oauth/client-config.js';
import { chooseAuthorizationServer, discoverResource } from '../oauth/discover-resource.js';
import { discoverIssuer } from '../oauth/discover-issuer.js';
import { redeemJwtBearer } from '../oauth/jwt-bearer.js';
import type { WorkloadTokenSource } from '../oauth/client-credentials.js';
import { processWorkloadTokenReader, type WorkloadTokenReader } from './workload-token.js';
import { clientCredentialsToken, generateAgentKey, type AgentClientAuth, type AgentKeyAlgorithm } from '../oauth/client-credentials.js';
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

export interface AddedAgentClient {
  client: AgentClientSummary;
  /** The public JWK to register at the authorization server, when a key was generated. */
  publicJwk?: JWK;
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
    const resource = canonicalResource(input.serverUrl, this.deps.net.policy);
    const discoveryDeps = { ...this.deps.net, logger: this.deps.logger, signal };
    const found = await discoverResource(resource, undefined, discoveryDeps);
    const issuer = chooseAuthorizationServer(found.metadata.authorization_servers);
    const metadata = await discoverIssuer(issuer, discoveryDeps);
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
    const client = await this.deps.store.put({
      agentId: input.agentId,
      resource,
      issuer,
      clientId: input.clientId,
      auth,
      serverMetadata: { ...metadata },
      sendResource: true,
      createdAt: this.deps.clock.now(),
    });
    this.forget(input.agentId, resource);
    this.deps.logger.info('identity: agent client added', { agentId: input.agentId, resource, issuer, method: auth.method, ...(client.keyThumbprint === undefined ? {} : { kid: client.keyThumbprint }) });
    return { client, ...(publicJwk === undefined ? {} : { publicJwk }) };
  }

  /** Removes the agent's clients (one resource, or all) and forgets their cached tokens. */
  async remove(agentId: string, resource?: string): Promise<AgentClientSummary[]> {
    const removed = await this.deps.store.remove(agentId, resource);
    for (const client of removed) this.forget(agentId, client.resource);
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
    minting.catch(() => {
      if (this.cache.get(key) === minting) this.cache.delete(key);
    });
    return minting;
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
      const request = { assertion, resource: entry.sendResource ? resource : undefined, scopes };
      return redeemJwtBearer(as, { clientId: entry.clientId }, request, this.deps.net, () => this.deps.clock.now());
    }
    return clientCredentialsToken(as, entry, { resource: entry.sendResource ? resource : undefined, scopes }, this.deps.net, () => this.deps.clock.now());
  }
}
