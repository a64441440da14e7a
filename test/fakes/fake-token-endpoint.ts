/**
 * A fake authorization server for unit tests of the OAuth steps: AS metadata plus a fetch that
 * answers the token, revocation and registration endpoints and records every request.
 * Integration tests use the real oidc-provider in test/world instead.
 */
import type * as client from 'openid-client';
import type { ClientRecord } from '../../electron/wallet/oauth/records.js';

export const FAKE_ISSUER = 'https://as.example.test';

/** A public client (no secret) the wallet registered at the fake AS by DCR, with a loopback redirect. */
export function fakePublicClient(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    issuer: FAKE_ISSUER,
    clientId: 'client-1',
    tokenEndpointAuthMethod: 'none',
    registration: 'dcr',
    redirectUris: ['http://127.0.0.1/callback'],
    registeredAt: 0,
    ...overrides,
  };
}

export function fakeServerMetadata(overrides: Partial<client.ServerMetadata> = {}): client.ServerMetadata {
  return {
    issuer: FAKE_ISSUER,
    authorization_endpoint: `${FAKE_ISSUER}/authorize`,
    token_endpoint: `${FAKE_ISSUER}/token`,
    revocation_endpoint: `${FAKE_ISSUER}/revoke`,
    registration_endpoint: `${FAKE_ISSUER}/register`,
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    scopes_supported: ['mcp:read', 'mcp:write', 'offline_access'],
    ...overrides,
  };
}

export interface RecordedRequest {
  url: string;
  method: string;
  params: URLSearchParams;
  headers: Headers;
}

export type TokenReply = { status: number; body: Record<string, unknown> } | (() => Promise<{ status: number; body: Record<string, unknown> }>);

export class FakeTokenEndpoint {
  readonly requests: RecordedRequest[] = [];
  /** The JSON body of the last registration request. */
  lastRegistrationBody: string | undefined;
  private counter = 0;
  /** Override per grant type; default issues fresh tokens with rotation. */
  replies: Partial<Record<string, TokenReply>> = {};
  expiresIn = 300;
  /** Number of requests currently inside a handler (to observe single-flight). */
  concurrent = 0;
  maxConcurrent = 0;
  /** Called before the token endpoint answers: lets a test hold the response. */
  gate: (() => Promise<void>) | undefined;

  constructor(private readonly issuer = FAKE_ISSUER) {}

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => new URL(r.url).pathname === path);
  }

  readonly fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '';
    const params = new URLSearchParams(url.pathname === '/register' ? '' : body);
    const recorded: RecordedRequest = { url: url.href, method: init?.method ?? 'GET', params, headers: new Headers(init?.headers) };
    this.requests.push(recorded);
    if (url.origin !== this.issuer) return json(404, { error: 'not_found' });
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      if (this.gate !== undefined) await this.gate();
      switch (url.pathname) {
        case '/token':
          return await this.token(params);
        case '/revoke':
          return new Response(null, { status: 200 });
        case '/register':
          this.lastRegistrationBody = body;
          return json(201, { client_id: `dcr-${++this.counter}`, ...(JSON.parse(body) as object), token_endpoint_auth_method: 'none' });
        default:
          return json(404, { error: 'not_found' });
      }
    } finally {
      this.concurrent -= 1;
    }
  };

  private async token(params: URLSearchParams): Promise<Response> {
    const grant = params.get('grant_type') ?? '';
    const reply = this.replies[grant];
    if (reply !== undefined) {
      const { status, body } = typeof reply === 'function' ? await reply() : reply;
      return json(status, body);
    }
    const n = ++this.counter;
    return json(200, {
      access_token: `at-${n}-${grant}`,
      token_type: 'Bearer',
      expires_in: this.expiresIn,
      refresh_token: `rt-${n}`,
      scope: params.get('scope') ?? 'mcp:read',
    });
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}
