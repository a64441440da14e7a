import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AuditEvent } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { CHAIN_LIMITS, checkInput, eventOf, TEXT_LIMITS, type AuditInput } from '../../../../electron/wallet/audit/audit-input.js';
import { canonicalJson, GENESIS_HASH } from '../../../../electron/wallet/audit/chain.js';

const base: AuditInput = { type: 'token.issued', agentId: 'agt_a', agentName: 'a', resource: 'https://mcp.example.com/mcp', scopes: ['read'], outcome: 'ok' };

/** The event as the log writes it, read back through the schema the log is read with. */
function readsBack(input: AuditInput): boolean {
  return AuditEvent.safeParse({ ...eventOf(input, 0, 1, GENESIS_HASH), hash: GENESIS_HASH }).success;
}

function maxLengthOf(schema: z.ZodType): number | null {
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  return inner instanceof z.ZodString ? inner.maxLength : null;
}

describe('audit input checked without a parse (T30)', () => {
  it('knows every length bound the schema puts on a text member, and no other', () => {
    const bounded = Object.entries(AuditEvent.shape).flatMap(([key, schema]) => {
      const max = maxLengthOf(schema);
      return max === null ? [] : [[key, max] as const];
    });
    expect(Object.fromEntries(bounded)).toEqual(TEXT_LIMITS);
  });

  it('takes a text at its bound, which reads back, and refuses one character more, which would not', () => {
    for (const [field, limit] of Object.entries(TEXT_LIMITS)) {
      const at = { ...base, [field]: 'a'.repeat(limit) };
      expect(() => checkInput(at)).not.toThrow();
      expect(readsBack(at)).toBe(true);
      const over = { ...base, [field]: 'a'.repeat(limit + 1) };
      expect(() => checkInput(over)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
      expect(readsBack(over)).toBe(false);
    }
  });

  it('bounds the chain of askers as the schema does', () => {
    const full = { ...base, chain: Array.from({ length: CHAIN_LIMITS.links }, () => 'x'.repeat(CHAIN_LIMITS.length)) };
    expect(() => checkInput(full)).not.toThrow();
    expect(readsBack(full)).toBe(true);
    for (const over of [{ ...base, chain: [...full.chain, 'owner'] }, { ...base, chain: ['x'.repeat(CHAIN_LIMITS.length + 1)] }]) {
      expect(() => checkInput(over)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
      expect(readsBack(over)).toBe(false);
    }
  });

  it('refuses numbers that would not read back: a count that is not a positive whole number, an expiry that is not finite', () => {
    for (const over of [{ count: 0 }, { count: 1.5 }, { count: Number.NaN }, { tokenExpiresAt: Number.NaN }, { tokenExpiresAt: Number.POSITIVE_INFINITY }]) {
      const input = { ...base, ...over };
      expect(() => checkInput(input)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
      expect(readsBack(input)).toBe(false);
    }
    expect(() => checkInput({ ...base, count: 3, tokenExpiresAt: 5 })).not.toThrow();
  });

  it('builds the event from the schema members only, in canonical (sorted) order, leaving out absent ones', () => {
    const input = { ...base, reason: undefined, extra: 'not a member' } as AuditInput;
    const event = eventOf(input, 4, 9, GENESIS_HASH);
    expect(Object.keys(event)).toEqual(['agentId', 'agentName', 'outcome', 'prevHash', 'resource', 'scopes', 'seq', 'time', 'type']);
    expect(event).toEqual({ ...base, seq: 4, time: 9, prevHash: GENESIS_HASH });
  });

  it('builds an event whose JSON.stringify is its canonical JSON, with every member set', () => {
    const full: Required<AuditInput> = {
      type: 'token.issued',
      outcome: 'ok',
      agentId: 'agt_a',
      agentName: 'a',
      resource: 'https://mcp.example.com/mcp',
      scopes: ['read', 'write'],
      sessionId: 'ses_a',
      account: 'work',
      reason: 'token-exchange',
      issuer: 'https://as.example.com',
      site: 'example.com',
      tokenFingerprint: 'sha256:AbCdEfGh',
      actor: 'owner',
      count: 2,
      tokenExpiresAt: 1765003600000.5,
      owner: 'user-1 "quoted" ünïcode',
      chain: ['ses_a', 'a', 'owner'],
    };
    expect(() => checkInput(full)).not.toThrow();
    const event = eventOf(full, 4, 9.25, GENESIS_HASH);
    expect(Object.keys(event)).toHaveLength(Object.keys(AuditEvent.shape).length - 1);
    expect(JSON.stringify(event)).toBe(canonicalJson(event));
  });

  it('refuses a member that is not a string, a number or an array of strings (its JSON would not be canonical)', () => {
    for (const [field, value] of [['owner', { b: 1, a: 2 }], ['scopes', ['read', { a: 1 }]], ['chain', [1]], ['agentName', null], ['agentId', true]] as const) {
      const input = { ...base, [field]: value } as unknown as AuditInput;
      expect(() => checkInput(input)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput, message: expect.stringContaining(`"${field}"`) }));
    }
  });

  it('finds a secret-looking text in any member and names that member', () => {
    const looksSecret = ['eyJhbGciOi.eyJzdWIiOi', 'Bearer abc', 'BEARER\tabc', 'x access_token=1', 'ID_TOKEN=x', `lk_agent_${'A'.repeat(43)}`, `lk_session_${'b'.repeat(43)}`];
    for (const text of looksSecret) {
      for (const field of ['agentName', 'resource', 'owner', 'sessionId'] as const) {
        expect(() => checkInput({ ...base, [field]: text })).toThrow(expect.objectContaining({ message: expect.stringContaining(`"${field}"`) }));
      }
      expect(() => checkInput({ ...base, scopes: ['read', text] })).toThrow(expect.objectContaining({ message: expect.stringContaining('"scopes"') }));
    }
    // Pieces of those patterns alone are not a secret.
    const pieces = { ...base, agentName: 'Bearer', resource: 'x_token', scopes: ['eyJhbGciOi', '.eyJzdWIiOi'], owner: `lk_agent_${'A'.repeat(20)}`, sessionId: 'lk_session_' };
    expect(() => checkInput(pieces)).not.toThrow();
  });
});
