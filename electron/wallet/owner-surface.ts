/**
 * The owner's wallet: the contract's methods (shared/api.ts) bound to the wallet's services. Each
 * method takes the contract's named params; every owner change is recorded through OwnerChanges
 * (audited, and live through its audit entry). Built once by the composition root (wallet.ts).
 */
import { canonicalResource, type UrlPolicy } from '../../shared/url.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type { BridgeStatus, VaultStatus } from '../../shared/api.js';
import type { Wallet } from './wallet-api.js';
import type { ConnectionService } from './connections/connection-service.js';
import type { SignInsWaiting } from './connections/sign-ins-waiting.js';
import type { AgentRegistry } from './agents/agent-registry.js';
import type { GrantStore } from './grants/grant-store.js';
import type { ApprovalQueue } from './approvals/approval-queue.js';
import type { AuditLog } from './audit/audit-log.js';
import type { TokenBroker } from './broker/token-broker.js';
import type { AgentClientTokens } from './identities/agent-client-tokens.js';
import { grantRevocation } from './broker/revoke-tokens.js';
import type { RememberedAnswers } from './elicitation/remembered-answers.js';
import { OwnerChanges, subscribeToWalletEvents } from './owner-changes.js';
import { accountOf, grantAccount } from './connections/accounts.js';
import { createPolicyMethods } from './policy/policy-methods.js';
import { addAutonomousAgent, agentJwks, removeOwnClients } from './autonomous-agent.js';
import { silentLogger } from '../base/log/logger.js';
import type { Logger } from '../base/ports.js';
import type { EnterpriseIdentity } from './enterprise/enterprise-identity.js';
import { createEnterpriseMethods } from './enterprise/enterprise-methods.js';

export interface OwnerSurfaceDeps {
  vaultStatus: VaultStatus;
  /** The host's agent bridge, for `status` (a daemon gives it). */
  bridgeStatus?: (() => BridgeStatus) | undefined;
  policy: UrlPolicy;
  connections: ConnectionService;
  /** The sign-ins connects wait on: an owner UI pastes, opens their page or cancels through it. */
  signIns: SignInsWaiting;
  agents: AgentRegistry;
  grants: GrantStore;
  approvals: ApprovalQueue;
  remembered: RememberedAnswers;
  broker: TokenBroker;
  /** Agents' own clients (R5). */
  agentClients: AgentClientTokens;
  /** Where the wallet logs (what removing an agent could not revoke, an undo that failed). */
  logger?: Logger;
  /** The organisation's identity provider and the owner's sign-in there (R7). */
  enterprise: EnterpriseIdentity;
  audit: AuditLog;
  close: () => Promise<void>;
}

export function createOwnerSurface(deps: OwnerSurfaceDeps): Wallet {
  const { connections, signIns, agents, grants, approvals, remembered, broker, audit, policy } = deps;
  const changes = new OwnerChanges(audit, (id) => agents.get(id)?.name);
  const agentId = (idOrName: string): string => {
    const agent = agents.get(idOrName);
    if (agent === undefined) {
      throw new LatchkeyError(ErrorCode.AgentNotFound, `No agent "${idOrName.slice(0, 64)}" is enrolled.`, { hint: 'See agents with `latchkey agent list`.' });
    }
    return agent.id;
  };

  const surface: Wallet = {
    vaultStatus: deps.vaultStatus,
    status: async () => {
      const bridge = deps.bridgeStatus?.();
      return bridge === undefined ? deps.vaultStatus : { ...deps.vaultStatus, bridge };
    },
    connect: async ({ url, ...options }, control = {}) => {
      const followed = signIns.follow(url, control);
      const connection = await connections.connect(url, { ...options, ...followed.control }).finally(followed.done);
      await changes.record({ type: 'connection.connected', resource: connection.resource, ...accountOf(connection), scopes: connection.scopes });
      return connection;
    },
    listConnections: async () => connections.list(),
    accessToken: ({ url, account, minTtlSeconds }, options = {}) =>
      connections.accessToken(url, {
        ...(account === undefined ? {} : { account }),
        ...(minTtlSeconds === undefined ? {} : { minTtlSeconds }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    dpopProof: async ({ url, account, method, target, ath, nonce }) => ({
      proof: await connections.dpopProof(url, account, { method, url: target, ath, ...(nonce === undefined ? {} : { nonce }) }),
    }),
    handleAuthChallenge: ({ url, account, status, wwwAuthenticate }, options = {}) =>
      connections.handleAuthChallenge(url, status, wwwAuthenticate, { ...(account === undefined ? {} : { account }), ...(options.signal === undefined ? {} : { signal: options.signal }) }),
    disconnect: async ({ url, account }) => {
      const result = await connections.disconnect(url, account);
      await changes.record({ type: 'connection.disconnected', resource: result.resource, ...accountOf(result), reason: `revocation:${result.revocation}` });
      return result;
    },
    deliverPastedSignIn: async ({ address }) => {
      await signIns.deliverPasted(address);
      return null;
    },
    openSignInPage: async ({ url }) => {
      await signIns.openPage(url);
      return null;
    },
    cancelConnect: async ({ url }) => signIns.cancel(url),
    listClients: async () => connections.listClients(),
    setClient: async (client) => {
      await connections.setClient(client);
      await changes.record({ type: 'client.set', issuer: client.issuer });
      return null;
    },
    listAgentClients: async (params) => deps.agentClients.list(params?.agent === undefined ? undefined : agentId(params.agent)),
    setAgentClient: async ({ agent, server, clientId, clientSecret, generateKey, workloadTokenFile, workloadTokenEnv }) => {
      const credential =
        workloadTokenFile !== undefined
          ? { workloadToken: { kind: 'file' as const, path: workloadTokenFile } }
          : workloadTokenEnv !== undefined
            ? { workloadToken: { kind: 'env' as const, name: workloadTokenEnv } }
            : clientSecret !== undefined
              ? { clientSecret }
              : { generateKey: generateKey ?? 'ES256' };
      const added = await deps.agentClients.add({ agentId: agentId(agent), serverUrl: server, clientId: clientId ?? '', credential });
      await changes.record({ type: 'client.set', agentId: added.client.agentId, resource: added.client.resource, issuer: added.client.issuer, reason: `agent-client:${added.client.method}` });
      return { client: added.client, ...(added.publicJwk === undefined ? {} : { publicJwk: { ...added.publicJwk } }) };
    },
    removeClient: async ({ issuer }) => {
      const removed = await connections.removeClient(issuer);
      if (removed) await changes.record({ type: 'client.removed', issuer });
      return removed;
    },

    addAutonomousAgent: (params) =>
      addAutonomousAgent({ surface: () => surface, agentClients: deps.agentClients, changes, logger: deps.logger ?? silentLogger }, params),
    agentJwks: async ({ agent, server }) => agentJwks(deps.agentClients, agentId(agent), server === undefined ? undefined : canonicalResource(server, policy)),
    listAgents: async () => agents.list(),
    enrolAgent: async ({ name, kind }) => {
      const enrolled = await agents.enrol(name, kind === undefined ? {} : { kind });
      await changes.record({ type: 'agent.enrolled', agentId: enrolled.agent.id, agentName: enrolled.agent.name });
      return enrolled;
    },
    // The broker revokes the agent's grants and tokens; each grant and the agent are audited here.
    removeAgent: async ({ agent }) => {
      const removed = await broker.removeAgent(agent);
      await changes.recordAgentRemoved(removed);
      // Its own clients (R5) go too: what they hold is revoked where the AS can, their keys deleted.
      await removeOwnClients({ agentClients: deps.agentClients, changes, logger: deps.logger ?? silentLogger }, removed.agent);
      return removed.agent;
    },
    setDelegationLimits: async ({ agent, limits }) => {
      const updated = await agents.setDelegationLimits(agent, limits ?? undefined);
      const set = updated.delegation;
      const reason = set === undefined ? 'defaults' : `depth:${set.maxDepth}/children:${set.maxChildren}${set.maxTtlSeconds === undefined ? '' : `/ttl:${set.maxTtlSeconds}s`}`;
      await changes.record({ type: 'agent.delegation_set', agentId: updated.id, agentName: updated.name, reason });
      return updated;
    },
    listSessions: async ({ agent, active } = {}) =>
      agents.sessions({ ...(agent === undefined ? {} : { agentId: agentId(agent) }), ...(active === undefined ? {} : { active }) }),
    startSession: async ({ agent, ...options }) => {
      const started = await agents.startSession(agent, options);
      await changes.record({ type: 'session.started', agentId: started.session.agentId, sessionId: started.session.id });
      return started;
    },
    endSession: async ({ id, reason = 'revoked' }) => {
      const ended = await agents.endSession(id, reason);
      if (ended !== undefined) await changes.record({ type: 'session.ended', agentId: ended.agentId, sessionId: ended.id, reason });
      return null;
    },
    // The store hands out its frozen grants (no copy on the hand-out path); the owner API gives its caller copies.
    listGrants: async ({ agent } = {}) => grants.list(agent === undefined ? {} : { agentId: agentId(agent) }).map((grant) => ({ ...grant, scopes: [...grant.scopes] })),
    createGrant: async (input) => {
      const resource = canonicalResource(input.resource, policy);
      const grant = await grants.create({
        agentId: agentId(input.agent),
        resource,
        ...grantAccount(resource, input.account, connections.list()),
        scopes: input.scopes,
        mode: input.mode ?? 'allow',
        ...(input.maxTokenLifetimeSeconds === undefined ? {} : { maxTokenLifetimeSeconds: input.maxTokenLifetimeSeconds }),
        ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
      });
      await changes.record({ type: 'grant.created', agentId: grant.agentId, resource: grant.resource, ...accountOf(grant), scopes: grant.scopes });
      return grant;
    },
    updateGrant: async ({ id, ...patch }) => {
      const grant = await broker.updateGrant(id, patch);
      await changes.record({ type: 'grant.updated', agentId: grant.agentId, resource: grant.resource, ...accountOf(grant), scopes: grant.scopes });
      return grant;
    },
    // The broker revokes the grant's tokens where it can; the audit and the answer say what stays valid.
    revokeGrant: async ({ id }) => {
      const revoked = await broker.revokeGrant(id);
      await changes.recordGrantRevoked(revoked);
      return grantRevocation(revoked.grant.id, revoked.tokens);
    },
    listApprovals: async (filter = {}) => approvals.list(filter),
    decideApproval: async ({ id, decision, remember }) => approvals.decide(id, decision, remember === undefined ? {} : { remember }),
    listAllowedSites: async ({ server } = {}) => remembered.allowedSites(server === undefined ? {} : { server: canonicalResource(server, policy) }),
    removeAllowedSite: async ({ server, site }) => {
      const resource = canonicalResource(server, policy);
      const removed = await remembered.removeSite(resource, site);
      if (removed) await changes.record({ type: 'site.removed', resource, site });
      return removed;
    },
    queryAudit: async (filter = {}) => audit.query(filter),
    verifyAudit: () => audit.verify(),
    ...createEnterpriseMethods({ enterprise: deps.enterprise, record: (change) => changes.record(change) }),
    ...createPolicyMethods({
      surface: () => surface,
      urlPolicy: policy,
      allowSite: async (server, site) => {
        await remembered.allowSite(server, site);
        await changes.record({ type: 'site.allowed', resource: server, site });
      },
    }),
    subscribe: (listener) => subscribeToWalletEvents(approvals, audit, listener),
    close: deps.close,
  };
  return surface;
}
