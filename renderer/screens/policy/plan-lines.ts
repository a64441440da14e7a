/**
 * A policy plan in the words `latchkey policy diff` uses: `+` adds, `~` changes, `- REMOVE`
 * removes, and a change that gives an agent more than it has now widens access. The screen renders
 * every string as inert text; nothing here is HTML.
 */
import type { PolicyChange, PolicyDelegation, PolicyGrant, PolicyPlan } from '../../../shared/policy.js';

/** One change as the screen lists it: its sign, its headline, the details under it, and what it does. */
export interface ChangeLines {
  sign: '+' | '~' | '-';
  headline: string;
  details: string[];
  widens: boolean;
  removes: boolean;
}

function describeGrant(grant: PolicyGrant): string {
  return [
    `scopes: ${grant.scopes.length === 0 ? '(none)' : grant.scopes.join(' ')}`,
    `tokens: ${grant.ttl === undefined ? 'as issued' : `at most ${grant.ttl}`}`,
    `expires: ${grant.expires ?? 'never'}`,
    grant.mode === 'ask' ? 'ask each time' : 'allow',
  ].join(', ');
}

/** An agent's delegation limits (absent: the defaults). */
function describeDelegation(delegation: PolicyDelegation | undefined): string {
  if (delegation === undefined) return 'defaults';
  return `depth ${delegation.maxDepth}, children ${delegation.maxChildren}, ${delegation.maxTtl === undefined ? 'as long as the parent' : `at most ${delegation.maxTtl}`}`;
}

function target(agent: string, grant: PolicyGrant): string {
  return `${agent} → ${grant.server}${grant.account === undefined ? '' : ` (account ${grant.account})`}`;
}

/** What changed in a grant, field by field: "scopes: a b → a (- b)". */
function describeGrantChange(from: PolicyGrant, to: PolicyGrant): string[] {
  const lines: string[] = [];
  const added = to.scopes.filter((scope) => !from.scopes.includes(scope));
  const removed = from.scopes.filter((scope) => !to.scopes.includes(scope));
  if (added.length > 0 || removed.length > 0) {
    const delta = [...added.map((scope) => `+ ${scope}`), ...removed.map((scope) => `- ${scope}`)].join(', ');
    lines.push(`scopes: ${from.scopes.join(' ') || '(none)'} → ${to.scopes.join(' ') || '(none)'} (${delta})`);
  }
  if (from.ttl !== to.ttl) lines.push(`tokens: ${from.ttl ?? 'as issued'} → ${to.ttl ?? 'as issued'}`);
  if (from.expires !== to.expires) lines.push(`expires: ${from.expires ?? 'never'} → ${to.expires ?? 'never'}`);
  if (from.mode !== to.mode) lines.push(`mode: ${from.mode} → ${to.mode}`);
  return lines;
}

function lines(sign: ChangeLines['sign'], headline: string, details: string[], widens: boolean): ChangeLines {
  return { sign, headline, details, widens, removes: sign === '-' };
}

/** One change of a plan, as the screen lists it. */
export function describeChange(change: PolicyChange): ChangeLines {
  switch (change.kind) {
    case 'agent.add':
      return lines('+', `agent ${change.agent} (${change.agentKind})`, [], change.widens);
    case 'agent.remove':
      return lines('-', `REMOVE agent ${change.agent}${change.grants === 0 ? '' : ` and its ${change.grants} grant${change.grants === 1 ? '' : 's'}`}`, [], false);
    case 'agent.delegation':
      return lines('~', `delegation ${change.agent}`, [`${describeDelegation(change.from)} → ${describeDelegation(change.to)}`], change.widens);
    case 'grant.add':
      return lines('+', `grant ${target(change.agent, change.grant)}`, [describeGrant(change.grant)], change.widens);
    case 'grant.change':
      return lines('~', `grant ${target(change.agent, change.to)}`, describeGrantChange(change.from, change.to), change.widens);
    case 'grant.remove':
      return lines('-', `REMOVE grant ${target(change.agent, change.grant)}`, [describeGrant(change.grant)], false);
    case 'site.add':
      return lines('+', `allowed site ${change.site} for ${change.server}`, [], change.widens);
    case 'site.remove':
      return lines('-', `REMOVE allowed site ${change.site} for ${change.server}`, [], false);
  }
}

/** The count under the list: "3 changes: 1 widens an agent's access, 1 removes something." */
export function summarizePlan(plan: PolicyPlan): string {
  const { changes } = plan;
  if (changes.length === 0) return 'No changes: the wallet already matches the file.';
  const described = changes.map(describeChange);
  const widening = described.filter((change) => change.widens).length;
  const removals = described.filter((change) => change.removes).length;
  return `${changes.length} change${changes.length === 1 ? '' : 's'}: ${widening} widen${widening === 1 ? 's' : ''} an agent's access, ${removals} remove${removals === 1 ? 's' : ''} something.`;
}
