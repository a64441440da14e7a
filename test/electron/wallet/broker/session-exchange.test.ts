/**
 * T5: which tokens of a delegated session are exchanged ones. A server that advertises token
 * exchange but refuses it to Latchkey's client is asked once, then the wallet narrows there as
 * before; a DPoP-bound connection and a session that was not delegated are never exchanged.
 */
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../../../shared/agents.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { AgentTokenCache } from '../../../../electron/wallet/broker/agent-token-cache.js';
import { SessionExchange } from '../../../../electron/wallet/broker/session-exchange.js';
import type { ConnectionRef } from '../../../../electron/wallet/connections/accounts.js';
import { ConnectionRecord, type CachedAccessToken } from '../../../../electron/wallet/oauth/records.js';
import { TOKEN_EXCHANGE_GRANT } from '../../../../electron/wallet/oauth/token-exchange.js';
import { listenOnLoopback, type LoopbackServer } from '../../../world/http.js';

const RESOURCE = 'https://notes.example.test/mcp';
const NOW = Date.parse('2030-01-01T00:00:00.000Z');
let refusing: LoopbackServer;
let exchangeRequests = 0;

beforeAll(async () => {
  // A token endpoint that advertises nothing itself and refuses every grant to this client.
  refusing = await listenOnLoopback((_req, res) => {
    exchangeRequests += 1;
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request', error_description: 'grant type not allowed for this client' }));
  });
});
afterAll(async () => {
  await refusing?.close();
});

function record(over: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return ConnectionRecord.parse({
    resource: RESOURCE,
    serverUrl: RESOURCE,
    issuer: refusing.origin,
    clientId: 'latchkey',
    serverMetadata: { issuer: refusing.origin, token_endpoint: `${refusing.origin}/token`, grant_types_supported: ['refresh_token', TOKEN_EXCHANGE_GRANT] },
    scopes: ['mcp:read', 'mcp:write'],
    status: 'ok',
    refreshToken: 'rt',
    connectedAt: NOW,
    updatedAt: NOW,
    ...over,
  });
}

function session(id: string, parentSessionId?: string): SessionSummary {
  return { id, agentId: 'agt_1', createdAt: NOW, expiresAt: NOW + 3_600_000, ...(parentSessionId === undefined ? {} : { parentSessionId, bounds: { scopes: ['mcp:read'] } }) };
}

function exchangeWith(stored: ConnectionRecord): { exchange: SessionExchange; minted: string[][] } {
  const minted: string[][] = [];
  const mint = (_ref: ConnectionRef, scopes: readonly string[]): Promise<CachedAccessToken> => {
    minted.push([...scopes]);
    return Promise.resolve({ value: `narrowed-${minted.length}`, expiresAt: NOW + 300_000, scope: [...scopes] });
  };
  const configFor = (found: ConnectionRecord): client.Configuration => {
    const config = new client.Configuration(found.serverMetadata as client.ServerMetadata, found.clientId, undefined, client.None());
    client.allowInsecureRequests(config);
    return config;
  };
  const exchange = new SessionExchange({ tokens: { connection: () => stored, configFor, mint }, cache: new AgentTokenCache(), logger: silentLogger, now: () => NOW });
  return { exchange, minted };
}

const target = { resource: RESOURCE };
const granted = (): string[] => ['mcp:read', 'mcp:write'];
const delegated = [session('ses_child', 'ses_root'), session('ses_root')];

describe('T5: when a delegated session’s token is an exchanged one', () => {
  it('T5: a server that refuses the grant to this client is asked once; the wallet narrows there from then on', async () => {
    exchangeRequests = 0;
    const { exchange, minted } = exchangeWith(record());
    const first = await exchange.mintFor('agt_1', delegated, granted)(target, ['mcp:read']);
    // The root's subject token (its whole slice), then, refused, the child's narrowed one.
    expect(minted).toEqual([['mcp:read', 'mcp:write'], ['mcp:read']]);
    expect(first.value).toBe('narrowed-2');
    expect(exchange.wasExchanged(first.value)).toBe(false);
    expect(exchangeRequests).toBe(1);
    await exchange.mintFor('agt_1', delegated, granted)(target, ['mcp:read']);
    expect(exchangeRequests).toBe(1);
    expect(minted).toHaveLength(3);
  });

  it('T5: a DPoP-bound connection, an enterprise-managed one, and a session that was not delegated are narrowed, never exchanged', async () => {
    exchangeRequests = 0;
    const dpop = exchangeWith(record({ dpopKey: { privateJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }, thumbprint: 't' } }));
    expect((await dpop.exchange.mintFor('agt_1', delegated, granted)(target, ['mcp:read'])).value).toBe('narrowed-1');
    const managed = exchangeWith(record({ managed: { by: 'enterprise', idp: 'https://idp.example.test' } }));
    expect((await managed.exchange.mintFor('agt_1', delegated, granted)(target, ['mcp:read'])).value).toBe('narrowed-1');
    const root = exchangeWith(record());
    expect((await root.exchange.mintFor('agt_1', [session('ses_root')], granted)(target, ['mcp:read'])).value).toBe('narrowed-1');
    expect(exchangeRequests).toBe(0);
  });
});
