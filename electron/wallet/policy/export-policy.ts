/**
 * The wallet's state as a policy file: its agents (not the sub-agents a session delegated to,
 * which live and end with their parents) with their delegation limits where the owner set them,
 * their grants and the allowed sites. Pure; nothing in it
 * is a secret (an agent's secret hash, tokens and sessions are not read).
 */
import type { AgentSummary, DelegationLimits, Grant } from '../../../shared/agents.js';
import type { AllowedSite } from '../../../shared/api.js';
import { formatPolicyTtl, POLICY_VERSION, sortPolicy, type PolicyDelegation, type PolicyFile, type PolicyGrant } from '../../../shared/policy.js';

export interface PolicySnapshot {
  agents: readonly AgentSummary[];
  grants: readonly Grant[];
  sites: readonly AllowedSite[];
}

function policyGrantOf(grant: Grant): PolicyGrant {
  return {
    server: grant.resource,
    ...(grant.account === undefined ? {} : { account: grant.account }),
    scopes: grant.scopes,
    ...(grant.maxTokenLifetimeSeconds === undefined ? {} : { ttl: formatPolicyTtl(grant.maxTokenLifetimeSeconds) }),
    ...(grant.expiresAt === undefined ? {} : { expires: new Date(grant.expiresAt).toISOString() }),
    mode: grant.mode,
  };
}

/** The agent's delegation limits as the file writes them (the lifetime as a duration). */
export function policyDelegationOf(limits: DelegationLimits): PolicyDelegation {
  return {
    maxDepth: limits.maxDepth,
    maxChildren: limits.maxChildren,
    ...(limits.maxTtlSeconds === undefined ? {} : { maxTtl: formatPolicyTtl(limits.maxTtlSeconds) }),
  };
}

export function exportPolicy(snapshot: PolicySnapshot): PolicyFile {
  const agents = snapshot.agents
    .filter((agent) => agent.parentId === undefined)
    .map((agent) => ({
      name: agent.name,
      kind: agent.kind,
      ...(agent.delegation === undefined ? {} : { delegation: policyDelegationOf(agent.delegation) }),
      grants: snapshot.grants.filter((grant) => grant.agentId === agent.id).map(policyGrantOf),
    }));
  return sortPolicy({ version: POLICY_VERSION, agents, allowedSites: snapshot.sites.map(({ server, site }) => ({ server, site })) });
}
