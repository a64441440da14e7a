/**
 * POST /v1/dpop-proof as the broker answers it (protocol.md A8, threats T42–T43): the real
 * registry, grant store and audit over a memory vault; a fake token endpoint that issues DPoP
 * tokens to a connection holding a DPoP key.
 */
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { ConnectionStore } from '../../../../electron/wallet/connections/connection-store.js';
import { generateDpopKey } from '../../../../electron/wallet/oauth/dpop-key.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { seedConnection } from '../../../support/seed-connection.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const composed: ComposedWallet[] = [];
afterEach(async () => {
  await Promise.all(composed.splice(0).map((c) => c.wallet.close()));
});

const ath = (token: string): string => createHash('sha256').update(token, 'ascii').digest('base64url');

async function setup() {
  const endpoint = new FakeTokenEndpoint();
  let n = 0;
  endpoint.replies['refresh_token'] = () =>
    Promise.resolve({ status: 200, body: { access_token: `at-dpop-${++n}`, token_type: 'DPoP', expires_in: 3600, refresh_token: `rt-dpop-${n}`, scope: 'mcp:read' } });
  const c = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: false, vault: { mode: 'memory' } }, { fetch: endpoint.fetch });
  composed.push(c);
  await seedConnection(c.vault, RESOURCE);
  const key = await generateDpopKey();
  await new ConnectionStore(c.vault).updateConnection({ resource: RESOURCE }, (current) => ({ ...current, dpopKey: key }));
  const { wallet, broker } = c;
  const a = await wallet.enrolAgent({ name: 'agent-a' });
  const b = await wallet.enrolAgent({ name: 'agent-b' });
  return { wallet, broker, endpoint, key, callerA: broker.authenticate(a.secret)!, callerB: broker.authenticate(b.secret)!, never: new AbortController().signal };
}

describe('A8: DPoP proofs for agents', () => {
  it('a DPoP connection mints DPoP tokens (the refresh carries a proof); the agent gets proofs for its token, signed with the connection\'s key', async () => {
    const { wallet, broker, endpoint, key, callerA, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    const token = await broker.token(callerA, { resource: RESOURCE }, never);
    expect(token.token_type).toBe('DPoP');
    expect(endpoint.requestsTo('/token')[0]!.headers.get('dpop')).toMatch(/^ey/);
    const { proof } = await broker.dpopProof(callerA, { resource: RESOURCE, method: 'POST', url: RESOURCE, ath: ath(token.access_token) });
    expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK, 'sha256')).toBe(key.thumbprint);
  });

  it('T42: no proof for a token this agent was not handed, nor for another server\'s origin', async () => {
    const { wallet, broker, callerA, callerB, never } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    await wallet.createGrant({ agent: 'agent-b', resource: RESOURCE, scopes: ['mcp:read'] });
    const token = await broker.token(callerA, { resource: RESOURCE }, never);
    await expect(broker.dpopProof(callerB, { resource: RESOURCE, method: 'POST', url: RESOURCE, ath: ath(token.access_token) })).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    await expect(broker.dpopProof(callerA, { resource: RESOURCE, method: 'POST', url: RESOURCE, ath: ath('a-copied-token') })).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    await expect(broker.dpopProof(callerA, { resource: RESOURCE, method: 'POST', url: 'https://elsewhere.example.test/mcp', ath: ath(token.access_token) })).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
  });

  it('after the grant is revoked the next proof is refused at once, and the refusal is audited without the token', async () => {
    const { wallet, broker, callerA, never } = await setup();
    const grant = await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    const token = await broker.token(callerA, { resource: RESOURCE }, never);
    const request = { resource: RESOURCE, method: 'POST', url: RESOURCE, ath: ath(token.access_token) };
    await broker.dpopProof(callerA, request);
    await wallet.revokeGrant({ id: grant.id });
    await expect(broker.dpopProof(callerA, request)).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    const audit = await wallet.queryAudit({ type: 'token.refused' });
    expect(audit.at(-1)).toMatchObject({ agentName: 'agent-a', resource: RESOURCE, outcome: 'denied', reason: ErrorCode.GrantDenied });
    expect(JSON.stringify(await wallet.queryAudit())).not.toContain(token.access_token);
  });
});
