import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';
import { TokenFactsMemo } from '../../../../electron/wallet/broker/token-facts.js';

function jwtWithSubject(sub: string): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub })}.sig`;
}

describe('TokenFactsMemo', () => {
  it('gives a token’s fingerprint and JWT subject, the same object for the same token', () => {
    const memo = new TokenFactsMemo();
    const token = jwtWithSubject('user-1');
    const facts = memo.of(token);
    expect(facts).toEqual({ fingerprint: fingerprint(token), owner: 'user-1' });
    expect(memo.of(token)).toBe(facts);
    expect(memo.of('opaque-token')).toEqual({ fingerprint: fingerprint('opaque-token'), owner: undefined });
  });

  it('starts over past its limit and after clear, with the same answers', () => {
    const memo = new TokenFactsMemo(2);
    const first = memo.of('a');
    memo.of('b');
    memo.of('c');
    expect(memo.of('a')).not.toBe(first);
    expect(memo.of('a')).toEqual(first);
    const again = memo.of('a');
    memo.clear();
    expect(memo.of('a')).not.toBe(again);
  });
});
