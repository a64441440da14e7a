/** planPolicy is pure: what applying a file changes, each change marked when it widens an agent's access (T41). */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import type { PolicyFile, PolicyGrant } from '../../../../shared/policy.js';
import { digestOf, planPolicy, widensDelegation, widensGrant } from '../../../../electron/wallet/policy/plan-policy.js';

const A = 'https://a.example/mcp';
const B = 'https://b.example/mcp';
const grant = (over: Partial<PolicyGrant> = {}): PolicyGrant => ({ server: A, scopes: ['read'], mode: 'allow', ...over });
const file = (agents: PolicyFile['agents'], allowedSites: PolicyFile['allowedSites'] = []): PolicyFile => ({ version: 1, agents, allowedSites });

describe('planPolicy', () => {
  it('the same file plans nothing, in any order', () => {
    const current = file([{ name: 'bot', kind: 'interactive', grants: [grant(), grant({ server: B, scopes: ['x', 'y'] })] }], [{ server: A, site: 'example.org' }]);
    const reordered = file([{ name: 'bot', kind: 'interactive', grants: [grant({ server: B, scopes: ['y', 'x'] }), grant()] }], [{ server: A, site: 'example.org' }]);
    expect(planPolicy(current, reordered)).toEqual([]);
  });

  it('a new agent comes first with its grants; an agent the file drops goes with its grants; sites follow', () => {
    const current = file([{ name: 'old', kind: 'interactive', grants: [grant(), grant({ server: B })] }], [{ server: A, site: 'gone.example' }]);
    const desired = file([{ name: 'new', kind: 'autonomous', grants: [grant()] }], [{ server: A, site: 'pay.example' }]);
    expect(planPolicy(current, desired)).toEqual([
      { kind: 'agent.add', agent: 'new', agentKind: 'autonomous', widens: false },
      { kind: 'grant.add', agent: 'new', grant: grant(), widens: true },
      { kind: 'agent.remove', agent: 'old', grants: 2, widens: false },
      { kind: 'site.add', server: A, site: 'pay.example', widens: true },
      { kind: 'site.remove', server: A, site: 'gone.example', widens: false },
    ]);
  });

  it('a grant per server and account: changed, added for another account, removed', () => {
    const current = file([{ name: 'bot', kind: 'interactive', grants: [grant(), grant({ server: B })] }]);
    const desired = file([{ name: 'bot', kind: 'interactive', grants: [grant({ scopes: [] }), grant({ server: B, account: 'work' })] }]);
    expect(planPolicy(current, desired)).toEqual([
      { kind: 'grant.change', agent: 'bot', from: grant(), to: grant({ scopes: [] }), widens: false },
      { kind: 'grant.add', agent: 'bot', grant: grant({ server: B, account: 'work' }), widens: true },
      { kind: 'grant.remove', agent: 'bot', grant: grant({ server: B }), widens: false },
    ]);
  });

  it('T41: an edit that gives an agent more is marked as widening; one that gives less is not', () => {
    const base = grant({ scopes: ['read'], ttl: '15m', expires: '2030-01-01T00:00:00.000Z', mode: 'ask' });
    expect(widensGrant(base, { ...base, scopes: ['read', 'write'] })).toBe(true);
    expect(widensGrant(base, { ...base, ttl: '30m' })).toBe(true);
    const { ttl: _ttl, ...asIssued } = base;
    expect(widensGrant(base, asIssued)).toBe(true);
    expect(widensGrant(base, { ...base, expires: '2031-01-01T00:00:00.000Z' })).toBe(true);
    const { expires: _expires, ...forever } = base;
    expect(widensGrant(base, forever)).toBe(true);
    expect(widensGrant(base, { ...base, mode: 'allow' })).toBe(true);
    expect(widensGrant(base, { ...base, scopes: [], ttl: '5m', expires: '2029-01-01T00:00:00.000Z' })).toBe(false);
    expect(widensGrant(asIssued, base)).toBe(false);
  });

  it('T40/T41: delegation limits: a raise (deeper, more children, longer or uncapped lifetime) widens; a cut does not', () => {
    const limits = { maxDepth: 2, maxChildren: 4, maxTtl: '30m' };
    expect(widensDelegation(limits, { ...limits, maxDepth: 3 })).toBe(true);
    expect(widensDelegation(limits, { ...limits, maxChildren: 5 })).toBe(true);
    expect(widensDelegation(limits, { ...limits, maxTtl: '1h' })).toBe(true);
    const { maxTtl: _ttl, ...uncapped } = limits;
    expect(widensDelegation(limits, uncapped)).toBe(true);
    expect(widensDelegation(limits, { maxDepth: 0, maxChildren: 1, maxTtl: '5m' })).toBe(false);
    // Absent is the defaults (3 levels, 8 children, no lifetime cap).
    expect(widensDelegation(undefined, { maxDepth: 4, maxChildren: 8 })).toBe(true);
    expect(widensDelegation(undefined, { maxDepth: 1, maxChildren: 2, maxTtl: '10m' })).toBe(false);
    expect(widensDelegation(limits, undefined)).toBe(true);
    const changes = planPolicy(file([{ name: 'a', kind: 'interactive', grants: [] }]), file([{ name: 'a', kind: 'interactive', delegation: { maxDepth: 1, maxChildren: 2 }, grants: [] }]));
    expect(changes).toEqual([{ kind: 'agent.delegation', agent: 'a', to: { maxDepth: 1, maxChildren: 2 }, widens: false }]);
  });

  it('an agent\'s kind is not changed by a file: refused with a code and what to do', () => {
    const current = file([{ name: 'bot', kind: 'interactive', grants: [] }]);
    expect(() => planPolicy(current, file([{ name: 'bot', kind: 'autonomous', grants: [] }]))).toThrow(expect.objectContaining({ code: ErrorCode.PolicyInvalid }));
  });

  it('the digest names exactly the changes', () => {
    const current = file([]);
    const one = planPolicy(current, file([{ name: 'a', kind: 'interactive', grants: [] }]));
    const other = planPolicy(current, file([{ name: 'b', kind: 'interactive', grants: [] }]));
    expect(digestOf(one)).toMatch(/^[0-9a-f]{64}$/u);
    expect(digestOf(one)).toBe(digestOf(planPolicy(current, file([{ name: 'a', kind: 'interactive', grants: [] }]))));
    expect(digestOf(one)).not.toBe(digestOf(other));
  });
});
