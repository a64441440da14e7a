/**
 * Autonomous agents in one step, and what removing one cleans up (protocol.md R5). Adding is the
 * agent, its own client at the server's authorization server and its grant, each step the owner
 * method that does it alone (so each is audited as usual); when a later step fails the agent is
 * removed again, which takes its client and key with it: no half-made agent stays behind.
 * Removing an agent revokes what its own clients were issued, where the authorization server has
 * a revocation endpoint, and deletes the clients and their keys from the vault.
 */
import type { JWK } from 'jose';
import type { AddAutonomousAgentParams, OwnerResult } from '../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type { Logger } from '../base/ports.js';
import type { Wallet } from './wallet-api.js';
import type { AddedAgentClient, AgentClientTokens } from './identities/agent-client-tokens.js';
import { revokedFacts, revokeTokens } from './broker/revoke-tokens.js';
import type { OwnerChanges } from './owner-changes.js';

export interface AutonomousAgentDeps {
  /** The owner surface: enrolAgent, createGrant and removeAgent as the owner calls them. */
  surface: () => Pick<Wallet, 'enrolAgent' | 'createGrant' | 'removeAgent'>;
  agentClients: Pick<AgentClientTokens, 'add' | 'register' | 'token' | 'held' | 'revoke' | 'remove'>;
  changes: Pick<OwnerChanges, 'record'>;
  logger: Logger;
}

export type AutonomousAgent = OwnerResult<'addAutonomousAgent'>;

/** Enrols the agent, sets its client up, checks it when it can, grants it the server; undoes it all on a failure. */
export async function addAutonomousAgent(deps: AutonomousAgentDeps, params: AddAutonomousAgentParams): Promise<AutonomousAgent> {
  const surface = deps.surface();
  const { agent, secret } = await surface.enrolAgent({ name: params.name, kind: 'autonomous' });
  try {
    const added = await setUpClient(deps, agent.id, params);
    await deps.changes.record({
      type: 'client.set',
      agentId: agent.id,
      agentName: agent.name,
      resource: added.client.resource,
      issuer: added.client.issuer,
      reason: `agent-client:${added.client.method}${params.register === true ? ':registered' : ''}`,
    });
    const scopes = params.scopes !== undefined && params.scopes.length > 0 ? [...params.scopes] : added.scopesSupported;
    if (scopes.length === 0) {
      throw new LatchkeyError(ErrorCode.InvalidInput, `${added.client.resource} advertises no scopes, so Latchkey cannot tell what to grant the agent.`, {
        hint: 'Name them: --scope S (repeatable).',
      });
    }
    // A key the administrator has yet to register cannot be tried; a secret or a registered key can.
    const verifiable = params.register === true || params.clientSecret !== undefined;
    if (verifiable) await deps.agentClients.token(agent.id, added.client.resource, scopes);
    const grant = await surface.createGrant({ agent: agent.id, resource: added.client.resource, scopes, mode: 'allow' });
    return {
      agent,
      secret,
      client: added.client,
      grant,
      ...(added.publicJwk === undefined ? {} : { publicJwk: { ...added.publicJwk } }),
      verified: verifiable,
    };
  } catch (error) {
    await undo(deps, agent.id, error);
    throw error;
  }
}

function setUpClient(deps: AutonomousAgentDeps, agentId: string, params: AddAutonomousAgentParams): Promise<AddedAgentClient> {
  if (params.register === true) {
    return deps.agentClients.register({ agentId, serverUrl: params.server, key: params.generateKey ?? 'ES256', clientName: params.name, scopes: params.scopes ?? [] });
  }
  const credential = params.clientSecret !== undefined ? { clientSecret: params.clientSecret } : { generateKey: params.generateKey ?? 'ES256' };
  return deps.agentClients.add({ agentId, serverUrl: params.server, clientId: params.clientId ?? '', credential });
}

async function undo(deps: AutonomousAgentDeps, agentId: string, cause: unknown): Promise<void> {
  try {
    await deps.surface().removeAgent({ agent: agentId });
  } catch (error) {
    deps.logger.error('identity: could not undo a half-made autonomous agent', {
      agentId,
      cause: cause instanceof LatchkeyError ? cause.code : 'unknown',
      error: error instanceof LatchkeyError ? error.code : 'unknown',
    });
  }
}

/**
 * After the agent is removed: revokes the tokens its own clients were issued (RFC 7009, where the
 * AS can), then deletes the clients and their keys; one `client.removed` entry per client, saying
 * what stays valid and until when.
 */
export async function removeOwnClients(deps: Omit<AutonomousAgentDeps, 'surface'>, agent: { id: string; name: string }): Promise<void> {
  const held = deps.agentClients.held(agent.id);
  const byResource = new Map<string, typeof held>();
  for (const token of held) byResource.set(token.resource, [...(byResource.get(token.resource) ?? []), token]);
  const revoked = new Map<string, Awaited<ReturnType<typeof revokeTokens>>>();
  for (const [resource, tokens] of byResource) {
    const entries = tokens.map((token) => ({ ...token, account: undefined, handedOut: true }));
    revoked.set(resource, await revokeTokens(entries, { revokeAgentToken: (ref, token) => deps.agentClients.revoke(agent.id, ref.resource, token) }, deps.logger));
  }
  const removed = await deps.agentClients.remove(agent.id);
  for (const client of removed) {
    const tokens = revoked.get(client.resource);
    await deps.changes.record({
      type: 'client.removed',
      agentId: agent.id,
      agentName: agent.name,
      resource: client.resource,
      issuer: client.issuer,
      ...(tokens === undefined ? {} : revokedFacts(tokens)),
    });
  }
}

/** The agent's public JWK set (one server's, or all its own clients'): only public members. */
export function agentJwks(agentClients: Pick<AgentClientTokens, 'publicKeys'>, agentId: string, resource: string | undefined): { keys: JWK[] } {
  const keys = agentClients.publicKeys(agentId, resource);
  if (keys.length === 0) {
    throw new LatchkeyError(ErrorCode.ClientNotFound, `The agent has no key of its own${resource === undefined ? '' : ` for ${resource}`}.`, {
      hint: 'Give it one: latchkey agent add <name> --autonomous --server URL --client-id ID --key (or latchkey agent credentials … --key).',
    });
  }
  return { keys };
}
