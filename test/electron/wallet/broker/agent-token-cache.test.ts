/**
 * Handed-out agent tokens are remembered until they expire at their server (T38: a revocation
 * takes them all), a token handed out again is one entry, and one the agent reported refused
 * counts once.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';
import { AgentTokenCache, type AgentToken } from '../../../../electron/wallet/broker/agent-token-cache.js';

const connection = { resource: 'https://mcp.example.com/mcp', account: undefined };

function token(accessToken: string, expiresAt: number): AgentToken {
  return { accessToken, expiresAt, scope: ['read'] };
}

function ath(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

describe('AgentTokenCache handed-out tokens', () => {
  it('T38: forgets each token once it expired, keeps the others, however often they were handed out', () => {
    const cache = new AgentTokenCache();
    cache.noteHandedOut('agt_a', connection, token('early', 1_000), 0);
    cache.noteHandedOut('agt_a', connection, token('late', 2_000), 0);
    for (let now = 10; now < 100; now += 10) cache.noteHandedOut('agt_a', connection, token('late', 2_000), now);
    expect(cache.handedOut('agt_a', ath('early'), 999)?.accessToken).toBe('early');
    expect(cache.handedOut('agt_a', ath('early'), 1_000)).toBeUndefined();
    expect(cache.handedOut('agt_a', ath('late'), 1_500)?.accessToken).toBe('late');
    cache.noteHandedOut('agt_a', connection, token('later', 3_000), 1_500);
    expect(cache.take('agt_a', undefined, 2_500).map((entry) => entry.accessToken)).toEqual(['later']);
    expect(cache.take('agt_a', undefined, 2_500)).toEqual([]);
  });

  it('a token handed out twice and reported refused counts as reported once', () => {
    const cache = new AgentTokenCache();
    cache.noteHandedOut('agt_a', connection, token('twice', 5_000), 0);
    cache.noteHandedOut('agt_a', connection, token('twice', 5_000), 1);
    expect(cache.refuse('agt_b', connection.resource, fingerprint('twice'), 2)).toBeUndefined();
    expect(cache.refuse('agt_a', connection.resource, fingerprint('twice'), 2)).toEqual(connection);
    expect(cache.refuse('agt_a', connection.resource, fingerprint('twice'), 3)).toBeUndefined();
  });
});
