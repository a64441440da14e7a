import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { registerAgentClient, registerClient } from '../../../../electron/wallet/oauth/register-client.js';
import type { ClientRecord } from '../../../../electron/wallet/oauth/records.js';
import { FAKE_ISSUER, FakeTokenEndpoint, fakeServerMetadata } from '../../../fakes/fake-token-endpoint.js';

const clock = { now: () => 1_000 };
const policy = { allowInsecureLoopback: false };
const CIMD = 'https://latchkey.example.org/client.json';

function input(overrides: Partial<Parameters<typeof registerClient>[0]> = {}) {
  const as = new FakeTokenEndpoint();
  return {
    endpoint: as,
    args: {
      as: fakeServerMetadata(),
      stored: undefined,
      clientMetadataUrl: undefined,
      loopbackPort: 43210,
      net: { fetch: as.fetch, policy },
      clock,
      ...overrides,
    },
  };
}

const preRegistered: ClientRecord = {
  issuer: FAKE_ISSUER,
  clientId: 'mine',
  clientSecret: 'shh',
  tokenEndpointAuthMethod: 'client_secret_basic',
  registration: 'pre-registered',
  redirectUris: [],
  registeredAt: 0,
};

describe('registerClient (R1–R4)', () => {
  it('R1: a pre-registered client for this issuer comes first, even when CIMD and DCR are available', async () => {
    const { endpoint, args } = input({
      stored: preRegistered,
      clientMetadataUrl: CIMD,
      as: fakeServerMetadata({ client_id_metadata_document_supported: true }),
    });
    const result = await registerClient(args);
    expect(result).toEqual({ record: preRegistered, created: false });
    expect(endpoint.requests).toHaveLength(0);
  });

  it('R1: CIMD comes before DCR when the AS supports it and the user hosts a document', async () => {
    const { endpoint, args } = input({ clientMetadataUrl: CIMD, as: fakeServerMetadata({ client_id_metadata_document_supported: true }) });
    const { record, created } = await registerClient(args);
    expect(created).toBe(true);
    expect(record).toMatchObject({ clientId: CIMD, registration: 'cimd', tokenEndpointAuthMethod: 'none' });
    expect(record.clientSecret).toBeUndefined();
    expect(endpoint.requests).toHaveLength(0);
  });

  it('R1: CIMD is skipped when no document URL is configured, or the AS does not support it', async () => {
    const a = input({ as: fakeServerMetadata({ client_id_metadata_document_supported: true }) });
    expect((await registerClient(a.args)).record.registration).toBe('dcr');
    const b = input({ clientMetadataUrl: CIMD });
    expect((await registerClient(b.args)).record.registration).toBe('dcr');
  });

  it.each(['http://latchkey.example.org/client.json', 'https://latchkey.example.org/', 'https://u:p@latchkey.example.org/c.json', 'https://x.org/c.json#f'])(
    'R2: refuses a CIMD client id that is not an https URL with a path (%s)',
    async (url) => {
      const { args } = input({ clientMetadataUrl: url, as: fakeServerMetadata({ client_id_metadata_document_supported: true }) });
      await expect(registerClient(args)).rejects.toMatchObject({ code: ErrorCode.InvalidUrl });
    },
  );

  it('R3: DCR sends a native public client with loopback redirects and refresh_token', async () => {
    const { endpoint, args } = input();
    const { record } = await registerClient(args);
    const sent = JSON.parse(endpoint.lastRegistrationBody ?? '{}') as Record<string, unknown>;
    expect(sent).toMatchObject({
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback', 'http://127.0.0.1:43210/callback'],
    });
    expect(record).toMatchObject({ issuer: FAKE_ISSUER, registration: 'dcr', preferredPort: 43210, tokenEndpointAuthMethod: 'none' });
  });

  it('R3: a registration is never reused for another issuer', async () => {
    const other = { ...preRegistered, issuer: 'https://other.example.test', registration: 'dcr' as const };
    const { endpoint, args } = input({ stored: other });
    const { record } = await registerClient(args);
    expect(record.issuer).toBe(FAKE_ISSUER);
    expect(record.clientId).not.toBe(other.clientId);
    expect(endpoint.requestsTo('/register')).toHaveLength(1);
  });

  it.each([
    ['invalid_redirect_uri', /loopback redirect/],
    ['invalid_client_metadata', /refused the client metadata/],
  ])('R3: %s from the AS becomes a clear registration error', async (error, hint) => {
    const { endpoint, args } = input();
    const original = endpoint.fetch;
    const fetch = async (url: string | URL, init?: RequestInit) =>
      String(url).endsWith('/register')
        ? new Response(JSON.stringify({ error, error_description: 'nope' }), { status: 400, headers: { 'content-type': 'application/json' } })
        : original(url, init);
    await expect(registerClient({ ...args, net: { fetch, policy } })).rejects.toMatchObject({
      code: ErrorCode.RegistrationRejected,
      hint: expect.stringMatching(hint),
    });
  });

  it('R1: without pre-registration, CIMD or DCR, the user is asked for a client id', async () => {
    const { args } = input({ as: fakeServerMetadata({ registration_endpoint: undefined }) });
    await expect(registerClient(args)).rejects.toMatchObject({
      code: ErrorCode.ClientIdRequired,
      hint: expect.stringContaining(`latchkey client add ${FAKE_ISSUER}`),
    });
  });

  it('R3: a DCR answer with a secret but no client_secret_expires_at is read as "never expires"', async () => {
    const { args } = input();
    const fetch = async () =>
      new Response(JSON.stringify({ client_id: 'c', client_secret: 's', token_endpoint_auth_method: 'client_secret_basic' }), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      });
    const { record } = await registerClient({ ...args, net: { fetch, policy } });
    expect(record).toMatchObject({ clientId: 'c', clientSecret: 's', tokenEndpointAuthMethod: 'client_secret_basic' });
  });

  it('R4: a DCR answer with a secret keeps the auth method the AS chose', async () => {
    const { args } = input();
    const fetch = async () =>
      new Response(JSON.stringify({ client_id: 'c', client_secret: 's', client_secret_expires_at: 0, token_endpoint_auth_method: 'client_secret_post' }), {
        status: 201,
        headers: { 'content-type': 'application/json' },
      });
    const { record } = await registerClient({ ...args, net: { fetch, policy } });
    expect(record).toMatchObject({ clientSecret: 's', tokenEndpointAuthMethod: 'client_secret_post' });
  });
});

describe('registerClient: what a sign-in channel needs of the registration', () => {
  const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
  const ephemeral: ClientRecord = {
    issuer: FAKE_ISSUER,
    clientId: 'dcr-old',
    tokenEndpointAuthMethod: 'none',
    registration: 'dcr',
    redirectUris: ['http://127.0.0.1/callback', 'http://127.0.0.1:40000/callback'],
    preferredPort: 40000,
    registeredAt: 0,
  };

  it('a device sign-in registers the device_code grant too, and the record keeps the grant types', async () => {
    const { endpoint, args } = input({ deviceFlow: true, loopbackPort: undefined });
    const { record } = await registerClient(args);
    const sent = JSON.parse(endpoint.lastRegistrationBody ?? '{}') as Record<string, unknown>;
    expect(sent).toMatchObject({ grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT], redirect_uris: ['http://127.0.0.1/callback'] });
    expect(record.grantTypes).toContain(DEVICE_GRANT);
    expect(record.preferredPort).toBeUndefined();
  });

  it('a stored registration without the device grant is registration.outdated for a device sign-in (naming --reregister)', async () => {
    const { endpoint, args } = input({ stored: ephemeral, deviceFlow: true, loopbackPort: undefined });
    await expect(registerClient(args)).rejects.toMatchObject({ code: ErrorCode.RegistrationOutdated, hint: expect.stringContaining('--reregister') });
    expect(endpoint.requests).toHaveLength(0);
  });

  it('a fixed callback port: a stored registration must name exactly that redirect URI', async () => {
    const fits = input({ stored: ephemeral, loopbackPort: 40000, exactPort: true });
    expect(await registerClient(fits.args)).toEqual({ record: ephemeral, created: false });
    const other = input({ stored: ephemeral, loopbackPort: 8765, exactPort: true });
    await expect(registerClient(other.args)).rejects.toMatchObject({ code: ErrorCode.RegistrationOutdated, message: expect.stringContaining('http://127.0.0.1:8765/callback') });
    // An ephemeral port is fine on an RFC 8252 server: any port of the portless loopback URI.
    const loose = input({ stored: ephemeral, loopbackPort: 8765 });
    expect((await registerClient(loose.args)).created).toBe(false);
  });

  it('a fixed callback port: a new DCR registration names that exact redirect URI', async () => {
    const { endpoint, args } = input({ loopbackPort: 8765, exactPort: true });
    await registerClient(args);
    const sent = JSON.parse(endpoint.lastRegistrationBody ?? '{}') as Record<string, unknown>;
    expect(sent['redirect_uris']).toContain('http://127.0.0.1:8765/callback');
  });

  it('a pre-registered client is used as it is for any channel (what it allows is the owner\'s business)', async () => {
    const { args } = input({ stored: preRegistered, deviceFlow: true, exactPort: true, loopbackPort: 8765 });
    expect(await registerClient(args)).toEqual({ record: preRegistered, created: false });
  });
});

describe('registerAgentClient (R5)', () => {
  const publicJwk = { kty: 'EC', crv: 'P-256', x: 'x-coordinate', y: 'y-coordinate', kid: 'thumb', alg: 'ES256', use: 'sig' };

  it('R5: registers the client credentials grant with private_key_jwt and only the public key in jwks; resolves with the assigned id', async () => {
    const endpoint = new FakeTokenEndpoint();
    const clientId = await registerAgentClient(fakeServerMetadata(), { clientName: 'ci-bot', publicJwk: { ...publicJwk, d: 'private-part' }, scopes: ['mcp:read'] }, { fetch: endpoint.fetch, policy });
    expect(clientId).toMatch(/^dcr-/);
    const sent = JSON.parse(endpoint.lastRegistrationBody ?? '{}') as Record<string, unknown>;
    expect(sent).toMatchObject({ client_name: 'ci-bot', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', redirect_uris: [], scope: 'mcp:read', jwks: { keys: [publicJwk] } });
    expect(endpoint.lastRegistrationBody).not.toContain('private-part');
  });

  it('R5: an AS without a registration endpoint is identity.registration_unavailable, pointing at --client-id with --key', async () => {
    const endpoint = new FakeTokenEndpoint();
    const failure = await registerAgentClient(fakeServerMetadata({ registration_endpoint: undefined }), { clientName: 'ci-bot', publicJwk, scopes: [] }, { fetch: endpoint.fetch, policy }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCode.AgentRegistrationUnavailable, hint: expect.stringContaining('--client-id ID --key') as unknown });
    expect(endpoint.requests).toHaveLength(0);
  });
});
