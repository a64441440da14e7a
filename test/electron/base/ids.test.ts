import { describe, expect, it } from 'vitest';
import { Id } from '../../../shared/agents.js';
import { hashSecret, ID_PREFIXES, newId, newSecret, SECRET_PATTERN, secretsEqual } from '../../../electron/base/ids.js';

describe('ids', () => {
  it('B14: ids are prefixed, url-safe, valid shared Ids and unique over 10k', () => {
    for (const prefix of ID_PREFIXES) expect(Id.safeParse(newId(prefix)).success).toBe(true);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) seen.add(newId('apr'));
    expect(seen.size).toBe(10_000);
    const id = newId('agt');
    expect(id).toMatch(/^agt_[A-Za-z0-9_-]{32}$/);
  });

  it('refuses an unknown prefix', () => {
    expect(() => newId('Bad' as never)).toThrow(TypeError);
  });

  it('secrets carry a recognisable prefix and 256 random bits', () => {
    const agent = newSecret('agent');
    const session = newSecret('session');
    expect(agent).toMatch(/^lk_agent_[A-Za-z0-9_-]{43}$/);
    expect(session).toMatch(/^lk_session_[A-Za-z0-9_-]{43}$/);
    expect(SECRET_PATTERN.test(`export X=${agent}\n`)).toBe(true);
    expect(SECRET_PATTERN.test('lk_agent_short')).toBe(false);
    expect(newSecret('agent')).not.toBe(agent);
  });

  it('hashes secrets with sha256 hex', () => {
    expect(hashSecret('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('compares secrets of any length in constant time', () => {
    expect(secretsEqual('a', 'a')).toBe(true);
    expect(secretsEqual('a', 'b')).toBe(false);
    expect(secretsEqual('a', 'aa')).toBe(false);
    expect(secretsEqual('', '')).toBe(true);
  });
});
