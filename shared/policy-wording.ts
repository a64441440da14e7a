/**
 * What a policy plan says, in one set of words for every reviewer: `latchkey policy diff` prints
 * them as lines, the window's Policy screen lists them. `+` adds, `~` changes, `- REMOVE` removes,
 * and a change that gives an agent more than it has now widens access (T41). The text is plain:
 * the terminal makes it inert before printing, the window renders it as text.
 */
import type { PolicyChange, PolicyDelegation, PolicyGrant, PolicyPlan } from './policy.js';

/** A detail line under a change; `label` (scopes, tokens, expires, mode) is aligned by the terminal. */
export interface ChangeDetail {
  label?: string;
  text: string;
}

/** One change as a reviewer reads it: its sign, its headline, the details under it, and what it does. */
export interface ChangeWords {
  sign: '+' | '~' | '-';
  headline: string;
  details: ChangeDetail[];
  widens: boolean;
  removes: boolean;
}

export function describeGrant(grant: PolicyGrant): string {
  return [
    `scopes: ${grant.scopes.length === 0 ? '(none)' : grant.scopes.join(' ')}`,
    `tokens: ${grant.ttl === undefined ? 'as issued' : `at most ${grant.ttl}`}`,
    `expires: ${grant.expires ?? 'never'}`,
    grant.mode === 'ask' ? 'ask each time' : 'allow',
  ].join(', ');
}

/** An agent's delegation limits (absent: the defaults). */
export function describeDelegation(delegation: PolicyDelegation | undefined): string {
  if (delegation === undefined) return 'defaults';
  return `depth ${delegation.maxDepth}, children ${delegation.maxChildren}, ${delegation.maxTtl === undefined ? 'as long as the parent' : `at most ${delegation.maxTtl}`}`;
}

function target(agent: string, grant: PolicyGrant): string {
  return `${agent} → ${grant.server}${grant.account === undefined ? '' : ` (account ${grant.account})`}`;
}

/** What changed in a grant, field by field: "scopes: a b → a  (- b)". */
function describeGrantChange(from: PolicyGrant, to: PolicyGrant): ChangeDetail[] {
  const details: ChangeDetail[] = [];
  const added = to.scopes.filter((scope) => !from.scopes.includes(scope));
  const removed = from.scopes.filter((scope) => !to.scopes.includes(scope));
  if (added.length > 0 || removed.length > 0) {
    const delta = [...added.map((scope) => `+ ${scope}`), ...removed.map((scope) => `- ${scope}`)].join(', ');
    details.push({ label: 'scopes', text: `${from.scopes.join(' ') || '(none)'} → ${to.scopes.join(' ') || '(none)'}  (${delta})` });
  }
  if (from.ttl !== to.ttl) details.push({ label: 'tokens', text: `${from.ttl ?? 'as issued'} → ${to.ttl ?? 'as issued'}` });
  if (from.expires !== to.expires) details.push({ label: 'expires', text: `${from.expires ?? 'never'} → ${to.expires ?? 'never'}` });
  if (from.mode !== to.mode) details.push({ label: 'mode', text: `${from.mode} → ${to.mode}` });
  return details;
}

function words(sign: ChangeWords['sign'], headline: string, details: ChangeDetail[], widens: boolean): ChangeWords {
  return { sign, headline, details, widens, removes: sign === '-' };
}

export function describeChange(change: PolicyChange): ChangeWords {
  switch (change.kind) {
    case 'agent.add':
      return words('+', `agent ${change.agent} (${change.agentKind})`, [], change.widens);
    case 'agent.remove':
      return words('-', `REMOVE agent ${change.agent}${change.grants === 0 ? '' : ` and its ${change.grants} grant${change.grants === 1 ? '' : 's'}`}`, [], false);
    case 'agent.delegation':
      return words('~', `delegation ${change.agent}`, [{ text: `${describeDelegation(change.from)} → ${describeDelegation(change.to)}` }], change.widens);
    case 'grant.add':
      return words('+', `grant ${target(change.agent, change.grant)}`, [{ text: describeGrant(change.grant) }], change.widens);
    case 'grant.change':
      return words('~', `grant ${target(change.agent, change.to)}`, describeGrantChange(change.from, change.to), change.widens);
    case 'grant.remove':
      return words('-', `REMOVE grant ${target(change.agent, change.grant)}`, [{ text: describeGrant(change.grant) }], false);
    case 'site.add':
      return words('+', `allowed site ${change.site} for ${change.server}`, [], change.widens);
    case 'site.remove':
      return words('-', `REMOVE allowed site ${change.site} for ${change.server}`, [], false);
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
