import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, hashEvent } from '../../../../electron/wallet/audit/chain.js';

/** The canonical form as first written, so logs already on disk keep verifying. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => reference(item === undefined ? null : item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${reference(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const samples: unknown[] = [
  {},
  [],
  { b: 1, a: 'x', c: undefined },
  { seq: 3, time: 1.5, type: 'token.issued', scopes: ['read', 'write'], chain: ['ses_a', 'owner'], prevHash: GENESIS_HASH },
  { nested: { z: [1, undefined, { y: null, x: true }], a: 'q"\\\n' }, 'Ä': 1, Z: 2, a: 3, '𝒳': 4, 'ｚ': 5 },
  [undefined, 'a', [[]], { k: undefined }],
  'text',
  42,
  null,
];

describe('the audit chain’s canonical JSON', () => {
  it('is byte for byte the form the chain has always hashed', () => {
    for (const sample of samples) expect(canonicalJson(sample)).toBe(reference(sample));
  });

  it('hashes an event without its own hash member, as before', () => {
    const event = { seq: 0, time: 1, type: 'agent.enrolled', outcome: 'ok', agentName: 'a', prevHash: GENESIS_HASH, hash: 'ignored' };
    const { hash: _ignored, ...rest } = event;
    const expected = createHash('sha256').update(GENESIS_HASH).update(reference(rest)).digest('hex');
    expect(hashEvent(GENESIS_HASH, event)).toBe(expected);
    expect(hashEvent(GENESIS_HASH, rest)).toBe(expected);
  });
});
