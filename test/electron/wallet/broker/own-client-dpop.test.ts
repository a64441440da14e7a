/**
 * R5 with A8 through the broker, with the real wallet and the test world's AS offering DPoP: an
 * agent's own client's token goes out as DPoP, and POST /v1/dpop-proof signs for it with that
 * client's key under the rules for connections: only for a token handed to that agent, only while
 * a grant covers the server, only for the server's origin; refusals are audited without the token.
 */
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { accessTokenHash } from '../../../../electron/base/net/dpop-wire.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { validatedWallet } from '../../../../electron/wallet/host/owner-call.js';
import type { Wallet } from '../../../../electron/wallet/wallet-api.js';
import { startWorld, type World } from '../../../world/index.js';

let world: World;
let composed: ComposedWallet;
let owner: Wallet;
const never = new AbortController().signal;

beforeAll(async () => {
  world = await startWorld({ dpop: { requireNonce: true } });
  composed = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: true, vault: { mode: 'memory' } }, { env: {}, fetch: (input, init) => fetch(input, init) });
  owner = validatedWallet(composed.wallet);
});

afterAll(async () => {
  await composed?.wallet.close();
  await world?.close();
});

async function autonomousAgent(name: string): Promise<string> {
  const response = await fetch(`${world.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'client_secret_basic' }),
  });
  const registered = (await response.json()) as { client_id: string; client_secret: string };
  const { secret } = await owner.enrolAgent({ name });
  await owner.setAgentClient({ agent: name, server: world.mcpUrl, clientId: registered.client_id, clientSecret: registered.client_secret });
  return secret;
}

describe('A8: proofs for an own client’s DPoP-bound token', () => {
  it('R5: the token goes out as DPoP; the agent gets proofs with its client’s key, the other agent none, and none after the grant is revoked', async () => {
    const secret = await autonomousAgent('bound-bot');
    const otherSecret = await autonomousAgent('other-bot');
    const grant = await owner.createGrant({ agent: 'bound-bot', resource: world.mcpUrl, scopes: ['mcp:read'], mode: 'allow' });
    await owner.createGrant({ agent: 'other-bot', resource: world.mcpUrl, scopes: ['mcp:read'], mode: 'allow' });
    const caller = composed.broker.authenticate(secret)!;
    const other = composed.broker.authenticate(otherSecret)!;
    const { dpopThumbprint } = (await owner.listAgentClients({ agent: 'bound-bot' }))[0] ?? {};
    expect(dpopThumbprint).toEqual(expect.any(String));

    const token = await composed.broker.token(caller, { resource: world.mcpUrl }, never);
    expect(token.token_type).toBe('DPoP');
    expect((decodeJwt(token.access_token)['cnf'] as { jkt?: string } | undefined)?.jkt).toBe(dpopThumbprint);
    const request = { resource: world.mcpUrl, method: 'POST', url: world.mcpUrl, ath: accessTokenHash(token.access_token) };
    const { proof } = await composed.broker.dpopProof(caller, request);
    expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK, 'sha256')).toBe(dpopThumbprint);

    await expect(composed.broker.dpopProof(other, request)).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    await expect(composed.broker.dpopProof(caller, { ...request, url: 'https://elsewhere.example.test/mcp' })).rejects.toMatchObject({ code: ErrorCode.InvalidInput });

    await owner.revokeGrant({ id: grant.id });
    await expect(composed.broker.dpopProof(caller, request)).rejects.toMatchObject({ code: ErrorCode.NoGrant });
    const audit = await owner.queryAudit({ type: 'token.refused' });
    expect(audit.at(-1)).toMatchObject({ agentName: 'bound-bot', resource: world.mcpUrl, outcome: 'denied' });
    expect(JSON.stringify(await owner.queryAudit())).not.toContain(token.access_token);
  });
});
