/** One set of words for a policy plan: `latchkey policy diff` prints them, the window's Policy screen lists them (T41, E13). */
import { describe, expect, it } from 'vitest';
import { describeChange as describeForTerminal, describePlan } from '../../electron/cli/commands/policy.js';
import { describeChange, summarizePlan } from '../../shared/policy-wording.js';
import type { PolicyChange, PolicyGrant } from '../../shared/policy.js';

const SERVER = 'https://mcp.example.com/mcp';
const read: PolicyGrant = { server: SERVER, scopes: ['files:read'], mode: 'allow' };
const wider: PolicyGrant = { server: SERVER, account: 'work', scopes: ['files:read', 'files:write'], ttl: '15m', expires: '2027-01-31T12:00:00.000Z', mode: 'ask' };

const CHANGES: PolicyChange[] = [
  { kind: 'agent.add', agent: 'ci-bot', agentKind: 'autonomous', widens: true },
  { kind: 'agent.remove', agent: 'old-bot', grants: 2, widens: false },
  { kind: 'agent.remove', agent: 'empty-bot', grants: 0, widens: false },
  { kind: 'agent.delegation', agent: 'lead-bot', from: undefined, to: { maxDepth: 4, maxChildren: 8, maxTtl: '30m' }, widens: true },
  { kind: 'agent.delegation', agent: 'lead-bot', from: { maxDepth: 4, maxChildren: 8 }, to: undefined, widens: false },
  { kind: 'grant.add', agent: 'ci-bot', grant: wider, widens: true },
  { kind: 'grant.change', agent: 'ci-bot', from: read, to: { ...wider, account: undefined } as PolicyGrant, widens: true },
  { kind: 'grant.change', agent: 'ci-bot', from: wider, to: read, widens: false },
  { kind: 'grant.remove', agent: 'ci-bot', grant: read, widens: false },
  { kind: 'site.add', server: SERVER, site: 'example.com', widens: true },
  { kind: 'site.remove', server: SERVER, site: 'example.org', widens: false },
];

/** The terminal's lines as one string of words: its alignment spaces and the [widens access] mark aside. */
const words = (lines: string[]): string => lines.join(' ').replace('[widens access]', '').replace(/\s+/gu, ' ').trim();

describe('the Policy screen and latchkey policy diff say the same', () => {
  it.each(CHANGES.map((change) => [change.kind, change] as const))('%s', (_kind, change) => {
    const shown = describeChange(change);
    expect(words([`${shown.sign} ${shown.headline}`, ...shown.details.map((d) => (d.label === undefined ? d.text : `${d.label}: ${d.text}`))])).toBe(words(describeForTerminal(change)));
    expect(shown.widens).toBe(change.widens);
    expect(describeForTerminal(change)[0]!.includes('[widens access]')).toBe(shown.widens);
    expect(shown.removes).toBe(change.kind.endsWith('.remove'));
  });

  it('the count under the list is the terminal one', () => {
    const plan = { changes: CHANGES, digest: '0'.repeat(64) };
    expect(summarizePlan(plan)).toBe(describePlan(plan).at(-1));
    expect(summarizePlan({ changes: [], digest: '0'.repeat(64) })).toBe(describePlan({ changes: [], digest: '0'.repeat(64) })[0]);
  });
});
