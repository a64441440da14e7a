/**
 * Hand-outs' `token.issued` records (issued-records.ts): built once per plan and token, frozen, and
 * built afresh for a new token or plan. Then the broker over a memory wallet: a repeated hand-out's
 * record says what a fresh one would, and a changed grant's next record says what changed.
 */
import { describe, expect, it } from 'vitest';
import type { TokenResponse } from '../../../../shared/bridge.js';
import type { AuditInput } from '../../../../electron/wallet/audit/audit-log.js';
import { IssuedRecords } from '../../../../electron/wallet/broker/issued-records.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { useMemoryWallets } from '../../../support/memory-wallet.js';

const TOKEN: TokenResponse = { access_token: 'at-1', token_type: 'Bearer', expires_at: 2_000_000_000, scope: 'mcp:read' };

function record(token: TokenResponse): AuditInput {
  return { type: 'token.issued', agentId: 'agt_1', chain: ['a', 'owner'], scopes: token.scope.split(' '), outcome: 'ok', tokenExpiresAt: token.expires_at * 1000 };
}

describe('IssuedRecords', () => {
  it('gives the same frozen record for the same plan and token, arrays frozen too', () => {
    let made = 0;
    const records = new IssuedRecords<object>((_plan, token) => {
      made += 1;
      return record(token);
    });
    const plan = {};
    const first = records.of(plan, TOKEN);
    // The same token in a new answer object: the same record.
    expect(records.of(plan, { ...TOKEN })).toBe(first);
    expect(made).toBe(1);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.scopes)).toBe(true);
    expect(Object.isFrozen(first.chain)).toBe(true);
  });

  it('builds a new record for a new token, a new expiry, new scopes or another plan', () => {
    const records = new IssuedRecords<object>((_plan, token) => record(token));
    const plan = {};
    const first = records.of(plan, TOKEN);
    for (const token of [{ ...TOKEN, access_token: 'at-2' }, { ...TOKEN, expires_at: TOKEN.expires_at + 1 }, { ...TOKEN, scope: 'mcp:read mcp:write' }, { ...TOKEN, token_type: 'DPoP' as const }]) {
      const next = records.of(plan, token);
      expect(next).not.toBe(first);
      expect(next).toEqual(record(token));
    }
    expect(records.of({}, TOKEN)).not.toBe(first);
  });
});

const RESOURCE = 'https://mcp.example.test/mcp';
const openWallet = useMemoryWallets();

describe('token.issued records of repeated hand-outs', () => {
  it('say what a fresh hand-out says, and follow a changed grant and a new token', async () => {
    const endpoint = new FakeTokenEndpoint();
    endpoint.expiresIn = 3600;
    const memory = await openWallet({ fetch: endpoint.fetch });
    await memory.connect(RESOURCE);
    await memory.enrol('agent-a');
    const ask = () => memory.token('agent-a', { resource: RESOURCE });
    const grant = await memory.wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read', 'mcp:write'] });
    const issued = async (): Promise<Array<Record<string, unknown>>> =>
      (await memory.composed.audit.query({ type: 'token.issued' })).map(({ seq, time, prevHash, hash, ...rest }) => {
        expect([seq, time, prevHash, hash].every((member) => member !== undefined)).toBe(true);
        return rest;
      });
    for (let i = 0; i < 4; i += 1) await ask();
    const [first, ...repeated] = await issued();
    expect(first).toMatchObject({ agentName: 'agent-a', resource: RESOURCE, scopes: ['mcp:read', 'mcp:write'], chain: ['agent-a', 'owner'], outcome: 'ok' });
    for (const record of repeated) expect(record).toEqual(first);

    await memory.wallet.updateGrant({ id: grant.id, scopes: ['mcp:read'] });
    await ask();
    await ask();
    const narrowed = (await issued()).slice(4);
    expect(narrowed.map((record) => record['scopes'])).toEqual([['mcp:read'], ['mcp:read']]);
    expect(narrowed[0]?.['tokenFingerprint']).not.toBe(first?.['tokenFingerprint']);
    expect(narrowed[1]).toEqual(narrowed[0]);
  });
});
