import { describe, expect, it } from 'vitest';
import { decide, type Decision, type DecideInput } from '../../../../electron/wallet/grants/decide.js';
import type { Grant } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';

const NOW = 1_700_000_000_000;
const A = 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'agt_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const R = 'https://mcp.example.com/mcp';

let counter = 0;
function grant(overrides: Partial<Grant> = {}): Grant {
  counter += 1;
  return {
    id: `grt_${String(counter).padStart(32, '0')}`,
    agentId: A,
    resource: R,
    scopes: ['read', 'write'],
    maxTokenLifetimeSeconds: 900,
    mode: 'allow',
    createdAt: NOW - 1000 + counter,
    narrowing: 'unknown',
    ...overrides,
  };
}

function run(grants: Grant[], request: DecideInput['request'], agentId = A): Decision {
  return decide({ agent: { id: agentId }, request, grants, now: NOW });
}

describe('decide', () => {
  const g = grant();
  const ask = grant({ mode: 'ask' });
  const cases: Array<{ name: string; grants: Grant[]; request: DecideInput['request']; agent?: string; expected: Partial<Decision> & { kind: Decision['kind'] } }> = [
    { name: 'no grants → ask no-grant', grants: [], request: { resource: R }, expected: { kind: 'ask', reason: 'no-grant', scopes: [] } },
    { name: 'no grants, scopes asked → ask for them', grants: [], request: { resource: R, scopes: ['read'] }, expected: { kind: 'ask', reason: 'no-grant', scopes: ['read'] } },
    { name: 'grant, no scopes asked → allow with the grant scopes', grants: [g], request: { resource: R }, expected: { kind: 'allow', grant: g, scopes: ['read', 'write'] } },
    { name: 'empty scope list counts as not given', grants: [g], request: { resource: R, scopes: [] }, expected: { kind: 'allow', grant: g, scopes: ['read', 'write'] } },
    { name: 'subset → allow exactly the subset', grants: [g], request: { resource: R, scopes: ['read', 'read'] }, expected: { kind: 'allow', grant: g, scopes: ['read'] } },
    { name: 'more scopes → ask for exactly the requested', grants: [g], request: { resource: R, scopes: ['read', 'admin'] }, expected: { kind: 'ask', reason: 'more-scopes', grant: g, scopes: ['read', 'admin'] } },
    { name: 'ask-each-time grant → ask', grants: [ask], request: { resource: R, scopes: ['read'] }, expected: { kind: 'ask', reason: 'ask-each-time', grant: ask, scopes: ['read'] } },
    { name: 'allow grant wins over ask grant', grants: [ask, g], request: { resource: R }, expected: { kind: 'allow', grant: g } },
    { name: 'T09: another agent’s grant never applies', grants: [g], request: { resource: R }, agent: B, expected: { kind: 'ask', reason: 'no-grant', scopes: [] } },
    { name: 'T07: trailing slash is another resource', grants: [g], request: { resource: `${R}/` }, expected: { kind: 'ask', reason: 'no-grant' } },
    { name: 'T07: path prefix is another resource', grants: [g], request: { resource: 'https://mcp.example.com' }, expected: { kind: 'ask', reason: 'no-grant' } },
    { name: 'T07: case variant is another resource', grants: [g], request: { resource: 'https://MCP.example.com/mcp' }, expected: { kind: 'ask', reason: 'no-grant' } },
    { name: 'expired grant does not apply', grants: [grant({ expiresAt: NOW })], request: { resource: R }, expected: { kind: 'ask', reason: 'no-grant' } },
    { name: 'unexpired grant applies', grants: [grant({ expiresAt: NOW + 1 })], request: { resource: R }, expected: { kind: 'allow' } },
    { name: 'cannot narrow → deny', grants: [grant({ narrowing: 'unsupported' })], request: { resource: R }, expected: { kind: 'deny', code: ErrorCode.CannotNarrow } },
    { name: 'cannot narrow but more scopes asked → ask', grants: [grant({ narrowing: 'unsupported' })], request: { resource: R, scopes: ['x'] }, expected: { kind: 'ask', reason: 'more-scopes' } },
    { name: 'invalid scope → deny', grants: [g], request: { resource: R, scopes: ['a b'] }, expected: { kind: 'deny', code: ErrorCode.InvalidInput } },
    { name: 'control character scope → deny', grants: [g], request: { resource: R, scopes: ['read\n'] }, expected: { kind: 'deny', code: ErrorCode.InvalidInput } },
    { name: 'empty-scope grant allows an empty list', grants: [grant({ scopes: [] })], request: { resource: R }, expected: { kind: 'allow', scopes: [] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(run(c.grants, c.request, c.agent)).toMatchObject(c.expected);
    });
  }
});

/** Seeded PRNG (mulberry32): reproducible random cases without a dependency. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('decide properties', () => {
  const AGENTS = [A, B, 'agt_cccccccccccccccccccccccccccccccc'];
  const RESOURCES = [R, `${R}/`, 'https://mcp.example.com', 'https://mcp.example.com/mcp?x=1', 'https://other.example/mcp'];
  const SCOPES = ['read', 'write', 'admin', 'files:read', 'files:write', 'openid'];

  it('T09/T13: over 10k random cases, decide never allows scopes outside a live grant of the same agent and resource', () => {
    const random = prng(0x5eed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const subset = (): string[] => SCOPES.filter(() => random() < 0.35);
    let allows = 0;
    let asks = 0;
    let denies = 0;
    const violations: string[] = [];
    for (let i = 0; i < 10_000; i += 1) {
      const grants = Array.from({ length: Math.floor(random() * 5) }, () =>
        grant({
          agentId: pick(AGENTS),
          resource: pick(RESOURCES),
          scopes: subset(),
          mode: random() < 0.7 ? 'allow' : 'ask',
          narrowing: pick(['unknown', 'ok', 'unsupported'] as const),
          ...(random() < 0.3 ? { expiresAt: NOW + Math.floor((random() - 0.5) * 10_000) } : {}),
        }),
      );
      // Half the time, ask as the agent and for the resource of some grant: more near misses.
      const near = grants.length > 0 && random() < 0.5 ? pick(grants) : undefined;
      const agentId = near !== undefined && random() < 0.8 ? near.agentId : pick(AGENTS);
      const resource = near !== undefined && random() < 0.8 ? near.resource : pick(RESOURCES);
      const requested = random() < 0.3 ? undefined : [...subset(), ...(random() < 0.2 ? ['admin'] : [])];
      const decision = run(grants, { resource, ...(requested === undefined ? {} : { scopes: requested }) }, agentId);
      const live = (gr: Grant): boolean =>
        grants.includes(gr) && gr.agentId === agentId && gr.resource === resource && (gr.expiresAt === undefined || gr.expiresAt > NOW);
      const wanted = requested !== undefined && requested.length > 0 ? [...new Set(requested)] : undefined;
      const fail = (why: string): void => {
        violations.push(`${i}: ${why} ${JSON.stringify(decision)}`);
      };
      if (decision.kind === 'allow') {
        allows += 1;
        if (!live(decision.grant)) fail('allowed under a grant that is not live for this agent and resource');
        if (decision.grant.mode !== 'allow') fail('allowed under an ask grant');
        if (decision.grant.narrowing === 'unsupported') fail('allowed under a grant that cannot be narrowed');
        if (!decision.scopes.every((scope) => decision.grant.scopes.includes(scope))) fail('scopes outside the grant');
        if (wanted !== undefined && decision.scopes.join(' ') !== wanted.join(' ')) fail('not the requested scopes');
      } else if (decision.kind === 'ask') {
        asks += 1;
        if (decision.grant !== undefined && !live(decision.grant)) fail('asked with a grant that is not live here');
        if (wanted !== undefined && decision.scopes.join(' ') !== wanted.join(' ')) fail('asked for other scopes');
        if (decision.reason === 'no-grant' && grants.some(live)) fail('no-grant although one applies');
      } else {
        denies += 1;
        if (decision.code !== ErrorCode.CannotNarrow || !grants.some(live)) fail('unexpected deny');
      }
    }
    expect(violations).toEqual([]);
    // The generator reaches every branch often enough to mean something.
    expect(allows).toBeGreaterThan(500);
    expect(asks).toBeGreaterThan(3000);
    expect(denies).toBeGreaterThan(100);
  });
});
