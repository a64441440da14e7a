/**
 * What applying a policy file changes: pure, from the wallet's file (exportPolicy) and the
 * desired one, both canonical. Each change says whether it widens an agent's access (T41).
 */
import { createHash } from 'node:crypto';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { DEFAULT_DELEGATION_LIMITS } from '../../../shared/agents.js';
import { parsePolicyTtl, policyGrantKey, sortPolicy, type PolicyChange, type PolicyDelegation, type PolicyFile, type PolicyGrant } from '../../../shared/policy.js';

const ttlSeconds = (grant: PolicyGrant): number | undefined => (grant.ttl === undefined ? undefined : parsePolicyTtl(grant.ttl));
const expiresAt = (grant: PolicyGrant): number | undefined => (grant.expires === undefined ? undefined : Date.parse(grant.expires));

/** Same access: scopes as sets, the ttl and the end as instants, the mode. */
export function sameGrant(a: PolicyGrant, b: PolicyGrant): boolean {
  const scopes = (grant: PolicyGrant): string => [...new Set(grant.scopes)].sort().join(' ');
  return scopes(a) === scopes(b) && ttlSeconds(a) === ttlSeconds(b) && expiresAt(a) === expiresAt(b) && a.mode === b.mode;
}

/** An absent bound is unbounded: a later, longer or missing one widens. */
function looser(from: number | undefined, to: number | undefined): boolean {
  return from !== undefined && (to === undefined || to > from);
}

/** After the change the agent may get more: a scope, a longer token, a later or no end, or no asking. */
export function widensGrant(from: PolicyGrant, to: PolicyGrant): boolean {
  const had = new Set(from.scopes);
  return (
    to.scopes.some((scope) => !had.has(scope)) ||
    looser(ttlSeconds(from), ttlSeconds(to)) ||
    looser(expiresAt(from), expiresAt(to)) ||
    (from.mode === 'ask' && to.mode === 'allow')
  );
}

/** A policy's delegation limits as numbers; absent: the defaults (no lifetime cap). */
function effectiveDelegation(delegation: PolicyDelegation | undefined): { maxDepth: number; maxChildren: number; maxTtlSeconds: number | undefined } {
  const limits = delegation ?? DEFAULT_DELEGATION_LIMITS;
  return { maxDepth: limits.maxDepth, maxChildren: limits.maxChildren, maxTtlSeconds: delegation?.maxTtl === undefined ? undefined : parsePolicyTtl(delegation.maxTtl) };
}

/** After the change the agent's sessions may delegate deeper, to more children, or for longer (T40). */
export function widensDelegation(from: PolicyDelegation | undefined, to: PolicyDelegation | undefined): boolean {
  const a = effectiveDelegation(from);
  const b = effectiveDelegation(to);
  return b.maxDepth > a.maxDepth || b.maxChildren > a.maxChildren || looser(a.maxTtlSeconds, b.maxTtlSeconds);
}

function planDelegation(agent: string, from: PolicyDelegation | undefined, to: PolicyDelegation | undefined): PolicyChange[] {
  const a = effectiveDelegation(from);
  const b = effectiveDelegation(to);
  const same = a.maxDepth === b.maxDepth && a.maxChildren === b.maxChildren && a.maxTtlSeconds === b.maxTtlSeconds && (from === undefined) === (to === undefined);
  if (same) return [];
  return [{ kind: 'agent.delegation', agent, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), widens: widensDelegation(from, to) }];
}

function planGrants(agent: string, current: readonly PolicyGrant[], desired: readonly PolicyGrant[]): PolicyChange[] {
  const had = new Map(current.map((grant) => [policyGrantKey(grant), grant]));
  const wanted = new Set(desired.map(policyGrantKey));
  const changes: PolicyChange[] = [];
  for (const grant of desired) {
    const from = had.get(policyGrantKey(grant));
    if (from === undefined) changes.push({ kind: 'grant.add', agent, grant, widens: true });
    else if (!sameGrant(from, grant)) changes.push({ kind: 'grant.change', agent, from, to: grant, widens: widensGrant(from, grant) });
  }
  for (const grant of current) if (!wanted.has(policyGrantKey(grant))) changes.push({ kind: 'grant.remove', agent, grant, widens: false });
  return changes;
}

/**
 * The changes that turn `current` into `desired`, in the order they run: new agents, each
 * agent's delegation limits and grants, then agents the file no longer names, then allowed sites. A kind change is
 * refused (an agent's kind is chosen when it is enrolled).
 */
export function planPolicy(current: PolicyFile, desired: PolicyFile): PolicyChange[] {
  const from = sortPolicy(current);
  const to = sortPolicy(desired);
  const existing = new Map(from.agents.map((agent) => [agent.name, agent]));
  const named = new Set(to.agents.map((agent) => agent.name));
  const changes: PolicyChange[] = [];
  for (const agent of to.agents) {
    const had = existing.get(agent.name);
    if (had === undefined) changes.push({ kind: 'agent.add', agent: agent.name, agentKind: agent.kind, widens: false });
    else if (had.kind !== agent.kind) {
      throw new LatchkeyError(ErrorCode.PolicyInvalid, `Agent "${agent.name}" is ${had.kind} in the wallet and ${agent.kind} in the policy file; a policy does not change an agent's kind.`, {
        hint: `Keep its kind as "${had.kind}", or remove the agent and enrol it again with \`latchkey agent add ${agent.name} --kind ${agent.kind}\`.`,
      });
    }
    changes.push(...planDelegation(agent.name, had?.delegation, agent.delegation));
    changes.push(...planGrants(agent.name, had?.grants ?? [], agent.grants));
  }
  for (const agent of from.agents) if (!named.has(agent.name)) changes.push({ kind: 'agent.remove', agent: agent.name, grants: agent.grants.length, widens: false });
  const siteKey = (entry: { server: string; site: string }): string => `${entry.server} ${entry.site}`;
  const hadSites = new Set(from.allowedSites.map(siteKey));
  const wantedSites = new Set(to.allowedSites.map(siteKey));
  for (const entry of to.allowedSites) if (!hadSites.has(siteKey(entry))) changes.push({ kind: 'site.add', server: entry.server, site: entry.site, widens: true });
  for (const entry of from.allowedSites) if (!wantedSites.has(siteKey(entry))) changes.push({ kind: 'site.remove', server: entry.server, site: entry.site, widens: false });
  return changes;
}

/** sha256 of the changes as JSON: the owner confirms exactly these. */
export function digestOf(changes: readonly PolicyChange[]): string {
  return createHash('sha256').update(JSON.stringify(changes)).digest('hex');
}
