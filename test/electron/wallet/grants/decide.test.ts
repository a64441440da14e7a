import { describe, expect, it } from 'vitest';
import { decide, settle, MIN_HANDOUT_TTL_MS, type Ask, type DecideInput, type Plan } from '../../../../electron/wallet/grants/decide.js';
import type { Grant } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { prng } from '../../../support/prng.js';

const NOW = 1_700_000_000_000;
const A = 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'agt_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const R = 'https://mcp.example.com/mcp';
/** A connection holding every scope these tests name: no step-up unless a test says so. */
const HOLDS_ALL = { scopes: ['read', 'write', 'admin', 'x', 'files:read', 'files:write', 'openid'] };

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

function plan(input: Partial<DecideInput> & Pick<DecideInput, 'request'>): Plan {
  return decide({ agent: { id: A, name: 'claude' }, grants: [], connection: HOLDS_ALL, declinedStepUps: [], now: NOW, ...input });
}

/** The grant policy's answer, as the table below states it. */
type Outcome = { kind: 'allow'; grant?: Grant; scopes: string[] } | { kind: 'ask'; reason: string; grant?: Grant; scopes: string[] } | { kind: 'deny'; code: ErrorCode };

function outcome(p: Plan): Outcome {
  if (p.kind === 'refuse') return { kind: 'deny', code: p.code };
  if (p.kind === 'issue') return { kind: 'allow', scopes: p.scopes, ...(p.grant === undefined ? {} : { grant: p.grant }) };
  const reason = p.ask.kind === 'consent' ? p.ask.reason : 'step-up';
  return { kind: 'ask', reason, scopes: p.then.scopes, ...(p.then.grant === undefined ? {} : { grant: p.then.grant }) };
}

function run(grants: Grant[], request: DecideInput['request'], agentId = A): Outcome {
  return outcome(plan({ agent: { id: agentId, name: 'agent' }, grants, request }));
}

function asAsk(p: Plan): Ask {
  if (p.kind !== 'ask') throw new Error(`expected an ask, got ${JSON.stringify(p)}`);
  return p;
}

describe('decide after the owner revoked the grant', () => {
  it('no grant left and revoked by the owner → refused with grant.revoked, never a new consent prompt', () => {
    const p = plan({ grants: [], request: { resource: R }, revokedByOwner: true });
    expect(p).toMatchObject({ kind: 'refuse', code: ErrorCode.GrantRevoked });
    expect(p.kind === 'refuse' ? p.hint : '').toContain('latchkey grant add claude');
  });

  it('a grant the owner gave again applies as usual', () => {
    expect(outcome(plan({ grants: [grant()], request: { resource: R }, revokedByOwner: true }))).toMatchObject({ kind: 'allow' });
  });

  it('not revoked → the owner is asked as before', () => {
    expect(outcome(plan({ grants: [], request: { resource: R }, revokedByOwner: false }))).toMatchObject({ kind: 'ask', reason: 'no-grant' });
  });
});

describe('decide', () => {
  const g = grant();
  const ask = grant({ mode: 'ask' });
  const cases: Array<{ name: string; grants: Grant[]; request: DecideInput['request']; agent?: string; expected: Partial<Outcome> & { kind: Outcome['kind'] } }> = [
    { name: 'no grants → ask no-grant', grants: [], request: { resource: R }, expected: { kind: 'ask', reason: 'no-grant', scopes: HOLDS_ALL.scopes } },
    { name: 'no grants, scopes asked → ask for them', grants: [], request: { resource: R, scopes: ['read'] }, expected: { kind: 'ask', reason: 'no-grant', scopes: ['read'] } },
    { name: 'grant, no scopes asked → allow with the grant scopes', grants: [g], request: { resource: R }, expected: { kind: 'allow', grant: g, scopes: ['read', 'write'] } },
    { name: 'empty scope list counts as not given', grants: [g], request: { resource: R, scopes: [] }, expected: { kind: 'allow', grant: g, scopes: ['read', 'write'] } },
    { name: 'subset → allow exactly the subset', grants: [g], request: { resource: R, scopes: ['read', 'read'] }, expected: { kind: 'allow', grant: g, scopes: ['read'] } },
    { name: 'more scopes → ask for exactly the requested', grants: [g], request: { resource: R, scopes: ['read', 'admin'] }, expected: { kind: 'ask', reason: 'more-scopes', grant: g, scopes: ['read', 'admin'] } },
    { name: 'ask-each-time grant → ask', grants: [ask], request: { resource: R, scopes: ['read'] }, expected: { kind: 'ask', reason: 'ask-each-time', grant: ask, scopes: ['read'] } },
    { name: 'allow grant wins over ask grant', grants: [ask, g], request: { resource: R }, expected: { kind: 'allow', grant: g } },
    { name: 'T09: another agent’s grant never applies', grants: [g], request: { resource: R }, agent: B, expected: { kind: 'ask', reason: 'no-grant', scopes: HOLDS_ALL.scopes } },
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


describe('decide: the whole plan', () => {
  it('not connected → refuse NotConnected, before anything else', () => {
    expect(plan({ connection: undefined, request: { resource: R, scopes: ['a b'] } })).toMatchObject({ kind: 'refuse', code: ErrorCode.NotConnected, hint: `The owner runs: latchkey connect ${R}` });
  });

  it('issue: the narrowed scopes, the grant whose lifetime applies, a cache key per scope set', () => {
    const g = grant({ scopes: ['read', 'write', 'admin'] });
    const p = plan({ grants: [g], request: { resource: R, scopes: ['write', 'read'] } });
    expect(p).toEqual({ kind: 'issue', scopes: ['write', 'read'], grant: g, cacheKey: `${A}\n${R}\n\n\nread write`, minRemainingMs: MIN_HANDOUT_TTL_MS, reuseCached: true });
  });

  it('the cache key names the connection’s issuer: after a move no token cached from the old issuer matches', () => {
    const g = grant({ scopes: ['read'] });
    const before = plan({ grants: [g], connection: { scopes: ['read'], issuer: 'https://old.example', status: 'ok' }, request: { resource: R } });
    const after = plan({ grants: [g], connection: { scopes: ['read'], issuer: 'https://new.example', status: 'ok' }, request: { resource: R } });
    expect(before).toMatchObject({ kind: 'issue', cacheKey: `${A}\n${R}\n\nhttps://old.example\nread`, reuseCached: true });
    expect(after).toMatchObject({ kind: 'issue', cacheKey: `${A}\n${R}\n\nhttps://new.example\nread` });
  });

  it('a connection that needs a new sign-in: nothing cached is reused', () => {
    const p = plan({ grants: [grant({ scopes: ['read'] })], connection: { scopes: ['read'], issuer: 'https://old.example', status: 'needs-reauth' }, request: { resource: R } });
    expect(p).toMatchObject({ kind: 'issue', reuseCached: false });
  });

  it('settle keys the cache by the issuer after the wait, not before it', () => {
    const ask = asAsk(plan({ connection: { scopes: ['read'], issuer: 'https://old.example' }, request: { resource: R, scopes: ['read'] } }));
    const settled = settle(ask, { grant: undefined, held: ['read'], connection: { issuer: 'https://new.example', status: 'needs-reauth' } });
    expect(settled).toMatchObject({ kind: 'issue', cacheKey: `${A}\n${R}\n\nhttps://new.example\nread`, reuseCached: false });
  });

  it('no scopes asked: what both the grant and the connection allow, without a step-up', () => {
    const p = plan({ grants: [grant({ scopes: ['read', 'write'] })], connection: { scopes: ['read'] }, request: { resource: R } });
    expect(p).toMatchObject({ kind: 'issue', scopes: ['read'] });
  });

  it('consent: shows the grant’s maximum lifetime, or the server’s; remembering sets the grant to allow, lifetime clamped', () => {
    const ask = asAsk(plan({ grants: [grant({ mode: 'ask', maxTokenLifetimeSeconds: 20 })], request: { resource: R, scopes: ['read'] } }));
    expect(ask.ask).toEqual({ kind: 'consent', reason: 'ask-each-time', scopes: ['read'], lifetimeSeconds: 20 });
    expect(ask.grantChange).toEqual({ when: 'remembered', mode: 'allow', scopes: ['read'], maxTokenLifetimeSeconds: 60 });
    const none = asAsk(plan({ connection: { scopes: ['read'], tokenLifetimeSeconds: 300 }, request: { resource: R } }));
    expect(none.ask).toEqual({ kind: 'consent', reason: 'no-grant', scopes: ['read'], lifetimeSeconds: 300 });
    expect(none.grantChange).toEqual({ when: 'remembered', mode: 'allow', scopes: ['read'] });
  });

  it('step-up: one approval about this agent (now → after, new scopes), the grant widened on approval, mode kept', () => {
    const g = grant({ scopes: ['read'], mode: 'ask' });
    const ask = asAsk(plan({ grants: [g], connection: { scopes: ['read'] }, request: { resource: R, scopes: ['read', 'admin'] } }));
    expect(ask.ask).toEqual({ kind: 'step-up', currentScopes: ['read'], scopes: ['read', 'admin'], newScopes: ['admin'], connectionScopes: ['read', 'admin'] });
    expect(ask.grantChange).toEqual({ when: 'approved', mode: 'keep', scopes: ['read', 'admin'], maxTokenLifetimeSeconds: 900 });
  });

  it('step-up for a scope the grant names but the connection lacks: shown as new, no grant change, a reconnect hint', () => {
    const ask = asAsk(plan({ grants: [grant({ scopes: ['read', 'write'] })], connection: { scopes: ['read'] }, request: { resource: R, scopes: ['write'] } }));
    expect(ask.ask).toMatchObject({ kind: 'step-up', currentScopes: ['read'], newScopes: ['write'], reconnect: ['read', 'write'] });
    expect(ask.grantChange).toBeUndefined();
  });

  it('a scope new in the step-up declined before → refused without asking; a wallet that cannot step up refuses', () => {
    const declined = plan({ grants: [grant({ scopes: ['read'] })], connection: { scopes: ['read'] }, declinedStepUps: ['admin'], request: { resource: R, scopes: ['admin', 'x'] } });
    expect(declined).toMatchObject({ kind: 'refuse', code: ErrorCode.StepUpDeclined, details: { resource: R } });
    if (declined.kind === 'refuse') expect(declined.reason).toContain('declined more access');
    const other = plan({ grants: [grant({ scopes: ['read'] })], connection: { scopes: ['read'] }, declinedStepUps: ['files:write'], request: { resource: R, scopes: ['admin'] } });
    expect(other.kind).toBe('ask');
    expect(plan({ connection: { scopes: ['read'] }, declinedStepUps: undefined, request: { resource: R, scopes: ['admin'] } })).toMatchObject({ kind: 'refuse', code: ErrorCode.StepUpDeclined });
  });

  it('settle: a grant the AS cannot narrow gets a token only equal to what the connection holds', () => {
    const g = grant({ scopes: ['read'], narrowing: 'unsupported' });
    const ask = asAsk(plan({ grants: [g], connection: { scopes: ['read', 'write'] }, request: { resource: R, scopes: ['read', 'write'] } }));
    expect(settle(ask, { grant: undefined, held: ['read', 'write', 'admin'] })).toMatchObject({ kind: 'refuse', code: ErrorCode.CannotNarrow });
    expect(settle(ask, { grant: undefined, held: ['write', 'read'] })).toMatchObject({ kind: 'issue', grant: g, scopes: ['read', 'write'] });
    const widened = { ...g, scopes: ['read', 'write'], narrowing: 'unknown' as const };
    expect(settle(ask, { grant: widened, held: ['read', 'write', 'admin'] })).toMatchObject({ kind: 'issue', grant: widened });
  });
});

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
        const issuedUnder = decision.grant;
        if (issuedUnder === undefined) {
          fail('allowed without a grant');
          continue;
        }
        if (!live(issuedUnder)) fail('allowed under a grant that is not live for this agent and resource');
        if (issuedUnder.mode !== 'allow') fail('allowed under an ask grant');
        if (issuedUnder.narrowing === 'unsupported') fail('allowed under a grant that cannot be narrowed');
        if (!decision.scopes.every((scope) => issuedUnder.scopes.includes(scope))) fail('scopes outside the grant');
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

describe('decide: accounts on one server (T8)', () => {
  it('a grant applies to its own account only; the default account is an account of its own', () => {
    const work = grant({ account: 'work' });
    const byDefault = grant();
    expect(run([work], { resource: R, account: 'work' })).toMatchObject({ kind: 'allow', grant: work });
    expect(run([work], { resource: R, account: 'personal' })).toMatchObject({ kind: 'ask', reason: 'no-grant' });
    expect(run([work], { resource: R })).toMatchObject({ kind: 'ask', reason: 'no-grant' });
    expect(run([byDefault], { resource: R, account: 'work' })).toMatchObject({ kind: 'ask', reason: 'no-grant' });
  });

  it('the cache key names the account, so two accounts never share a cached token', () => {
    const work = plan({ grants: [grant({ account: 'work' })], request: { resource: R, account: 'work' } });
    const personal = plan({ grants: [grant({ account: 'personal' })], request: { resource: R, account: 'personal' } });
    if (work.kind !== 'issue' || personal.kind !== 'issue') throw new Error('expected two issues');
    expect(work.cacheKey).not.toBe(personal.cacheKey);
    expect(work.cacheKey).toContain('\nwork\n');
  });

  it('what is asked after an approval keeps the account', () => {
    const ask = asAsk(plan({ request: { resource: R, account: 'work' } }));
    expect(ask.then).toMatchObject({ resource: R, account: 'work' });
    expect(settle(ask, { grant: undefined, held: HOLDS_ALL.scopes })).toMatchObject({ kind: 'issue', cacheKey: expect.stringContaining('\nwork\n') as string });
  });
});
