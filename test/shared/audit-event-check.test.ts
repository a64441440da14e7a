/**
 * The zod-free audit event check (shared/audit-event-check.ts) against AuditEvent: on every sample
 * it accepts what the schema accepts and returns what its parse returns, members in the same order
 * (a member present as undefined, which no JSON line holds, is left out where zod keeps it).
 */
import { describe, expect, it } from 'vitest';
import { AuditEvent } from '../../shared/agents.js';
import { OwnerMethods } from '../../shared/api.js';
import { readAuditEvent, readAuditEvents } from '../../shared/audit-event-check.js';

/** The check agrees with the schema on `value`: both refuse it, or both accept it as the same output, keys in the same order. */
function expectSame(value: unknown): void {
  const parsed = AuditEvent.safeParse(value);
  const checked = readAuditEvent(value);
  if (parsed.success) {
    expect(checked, JSON.stringify(value)).toEqual(parsed.data);
    expect(JSON.stringify(checked)).toBe(JSON.stringify(parsed.data));
  } else expect(checked, JSON.stringify(value)).toBeUndefined();
}

const base = { seq: 7, time: 1_700_000_000_000, type: 'token.issued', outcome: 'ok', prevHash: 'p'.repeat(64), hash: 'h'.repeat(64) };
const full = {
  ...base,
  agentId: 'agt_1',
  agentName: 'claude-code',
  sessionId: 'ses_1',
  resource: 'https://mcp.example/mcp',
  account: 'work',
  scopes: ['read', 'write'],
  reason: 'grant.none',
  issuer: 'https://as.example',
  site: 'example.com',
  tokenFingerprint: 'sha256:abcdef',
  actor: 'owner',
  count: 3,
  tokenExpiresAt: 1_700_000_360_000,
  owner: 'user@example.com',
  chain: ['ses_1', 'claude-code', 'owner'],
};
/** Each member set to values of the wrong kind, out of bounds, or at a bound. */
const VARIANTS: Record<string, unknown[]> = {
  seq: [0, -1, 1.5, 2 ** 53, '7', null],
  time: [0, -5, 1.25, '1', null, Number.POSITIVE_INFINITY, Number.NaN],
  type: ['agent.enrolled', 'no.such.type', 3],
  agentId: ['', 5, null],
  scopes: [[], ['a', 2], 'read', [null]],
  outcome: ['denied', 'error', 'maybe', null],
  account: ['a'.repeat(64), 'a'.repeat(65), 1],
  reason: ['r'.repeat(200), 'r'.repeat(201)],
  issuer: ['i'.repeat(2048), 'i'.repeat(2049)],
  site: ['s'.repeat(253), 's'.repeat(254)],
  actor: ['a'.repeat(64), 'a'.repeat(65)],
  owner: ['o'.repeat(256), 'o'.repeat(257)],
  count: [1, 0, -1, 2.5, 2 ** 53, '3'],
  tokenExpiresAt: [0, 1.5, -1, '1', Number.POSITIVE_INFINITY],
  chain: [[], Array.from({ length: 8 }, () => 'c'), Array.from({ length: 9 }, () => 'c'), ['c'.repeat(128)], ['c'.repeat(129)], [1]],
  prevHash: ['', 1, null],
  hash: [undefined, 1],
  extra: ['not in the schema', { nested: true }],
};

describe('readAuditEvent is AuditEvent.safeParse without zod', () => {
  it.each([base, full, { ...full, scopes: undefined }, null, undefined, 'text', 42, [], [base], {}])('%j', (value) => expectSame(value));

  for (const [key, values] of Object.entries(VARIANTS)) {
    it.each(values)(`${key} = %j`, (value) => {
      expectSame({ ...base, [key]: value });
      expectSame({ ...full, [key]: value });
    });
  }

  it('leaves out every required member in turn', () => {
    for (const key of Object.keys(base)) {
      const { [key as keyof typeof base]: _dropped, ...rest } = base;
      expectSame(rest);
    }
  });

  it('copies arrays, so the result shares none with its input', () => {
    const event = readAuditEvent(full);
    expect(event?.scopes).not.toBe(full.scopes);
    expect(event?.chain).not.toBe(full.chain);
  });

  it('reads a list only when every element passes', () => {
    expect(readAuditEvents([base, full])).toStrictEqual([AuditEvent.parse(base), AuditEvent.parse(full)]);
    expect(readAuditEvents([base, { ...base, seq: -1 }])).toBeUndefined();
    expect(readAuditEvents(base)).toBeUndefined();
  });

  it("reads a list as the owner contract's queryAudit result does", () => {
    for (const value of [[], [base, full], [full, { ...base, extra: 1 }], [base, { ...base, outcome: 'maybe' }], base, null]) {
      const parsed = OwnerMethods.queryAudit.result.safeParse(value);
      expect(readAuditEvents(value)).toEqual(parsed.success ? parsed.data : undefined);
    }
  });
});
