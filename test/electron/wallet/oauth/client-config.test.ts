import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { buildClientConfiguration } from '../../../../electron/wallet/oauth/client-config.js';
import type { ClientRecord } from '../../../../electron/wallet/oauth/records.js';
import { FAKE_ISSUER, FakeTokenEndpoint, fakeServerMetadata } from '../../../fakes/fake-token-endpoint.js';

const base: ClientRecord = {
  issuer: FAKE_ISSUER,
  clientId: 'pre',
  tokenEndpointAuthMethod: 'none',
  registration: 'pre-registered',
  redirectUris: [],
  registeredAt: 0,
};

async function refreshWith(record: ClientRecord) {
  const endpoint = new FakeTokenEndpoint();
  const config = buildClientConfiguration(fakeServerMetadata(), record, { fetch: endpoint.fetch, policy: { allowInsecureLoopback: false } });
  await client.refreshTokenGrant(config, 'rt', { resource: 'https://mcp.example.test/mcp' });
  return endpoint.requests[0]!;
}

describe('client authentication (R4)', () => {
  it('R4: client_secret_basic sends the secret in the Authorization header only', async () => {
    const sent = await refreshWith({ ...base, clientSecret: 'sekrit', tokenEndpointAuthMethod: 'client_secret_basic' });
    expect(sent.headers.get('authorization')).toMatch(/^Basic /);
    expect(sent.params.get('client_secret')).toBeNull();
  });

  it('R4: client_secret_basic form-encodes id and secret as RFC 6749 Appendix B says (- _ . * stay as they are)', async () => {
    const sent = await refreshWith({ ...base, clientId: 'pre-registered_client.v1~x', clientSecret: 'se cret:+/=-', tokenEndpointAuthMethod: 'client_secret_basic' });
    const decoded = Buffer.from(sent.headers.get('authorization')!.slice('Basic '.length), 'base64').toString();
    expect(decoded).toBe('pre-registered_client.v1%7Ex:se+cret%3A%2B%2F%3D-');
  });

  it('R4: client_secret_post sends the secret in the body only', async () => {
    const sent = await refreshWith({ ...base, clientSecret: 'sekrit', tokenEndpointAuthMethod: 'client_secret_post' });
    expect(sent.headers.get('authorization')).toBeNull();
    expect(sent.params.get('client_secret')).toBe('sekrit');
    expect(sent.params.get('client_id')).toBe('pre');
  });

  it('R4: none sends only the client id', async () => {
    const sent = await refreshWith(base);
    expect(sent.headers.get('authorization')).toBeNull();
    expect(sent.params.get('client_secret')).toBeNull();
    expect(sent.params.get('client_id')).toBe('pre');
  });

  it('A5/T1: every request goes through the injected fetch and carries resource', async () => {
    const sent = await refreshWith(base);
    expect(sent.params.get('resource')).toBe('https://mcp.example.test/mcp');
  });

  it('refuses plain http issuers unless insecure loopback is allowed, and then only for loopback', async () => {
    const endpoint = new FakeTokenEndpoint('http://127.0.0.1:9');
    const as = fakeServerMetadata({ issuer: 'http://127.0.0.1:9', token_endpoint: 'http://127.0.0.1:9/token' });
    const strict = buildClientConfiguration(as, { ...base, issuer: as.issuer }, { fetch: endpoint.fetch, policy: { allowInsecureLoopback: false } });
    await expect(client.refreshTokenGrant(strict, 'rt')).rejects.toThrow(/http/i);
    const dev = buildClientConfiguration(as, { ...base, issuer: as.issuer }, { fetch: endpoint.fetch, policy: { allowInsecureLoopback: true } });
    await expect(client.refreshTokenGrant(dev, 'rt')).resolves.toMatchObject({ access_token: expect.any(String) });
  });
});
