/**
 * A hostile MCP server and authorization server in one tiny loopback HTTP server, for E5: every
 * string it controls that can reach the window carries markup, script URLs, right-to-left
 * overrides or sheer length.
 *
 * - `/a/mcp`: its authorization server's metadata names another issuer (RLO, `<img onerror>`,
 *   `javascript:`): connecting fails, and the window shows the failure with that string in it.
 * - `/b/mcp`: a complete, working OAuth flow (DCR, an authorization endpoint that redirects at
 *   once, a token endpoint) whose issuer (markup, `javascript:`, 100 KB long), authorization
 *   endpoint, client id and granted scopes are hostile; the connection succeeds and the window
 *   lists it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const RLO = '\u202e';
export const XSS_IMG = '<img src=x onerror=alert(1)>';
/** One OAuth scope token (no spaces) that is also markup. */
export const XSS_SCOPE = '<img/src=x/onerror=alert(1)>';
export const JS_URL = 'javascript:alert(1)';
export const HUGE = 'W'.repeat(100_000);
/** The metadata issuer of round A: not the one asked for, and hostile. */
export const BAD_ISSUER = `http://127.0.0.1/${RLO}gnp.exe ${XSS_IMG} ${JS_URL}`;
/** Scopes the hostile AS grants on round B. */
export const HOSTILE_SCOPES = ['mcp:read', XSS_SCOPE, JS_URL];
/** The client id its DCR endpoint hands out. */
export const HOSTILE_CLIENT_ID = `${XSS_SCOPE}${JS_URL}`;

export interface HostileServer {
  readonly url: string;
  /** Round A's MCP URL (fails in discovery). */
  readonly failingMcpUrl: string;
  /** Round B's MCP URL (connects). */
  readonly mcpUrl: string;
  /** Round B's issuer: hostile and 100 KB long, percent-encoded so that it is its own canonical URL. */
  readonly issuer: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startHostileServer(): Promise<HostileServer> {
  const requests: string[] = [];
  let base = '';
  const issuerA = (): string => `${base}/as-a/x`;
  const issuerB = (): string => `${base}/as-b/%3Cimg%20src=x%20onerror=alert(1)%3E/javascript:alert(1)/${HUGE}`;

  const server = createServer({ maxHeaderSize: 512 * 1024 }, (req, res) => {
    requests.push(`${req.method} ${(req.url ?? '').slice(0, 120)}`);
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    const body = await readBody(req);
    if (path === '/a/mcp' || path === '/b/mcp') {
      const metadata = `${base}/.well-known/oauth-protected-resource${path}`;
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${metadata}", scope="mcp:read"`, 'content-type': 'application/json' });
      res.end('{"error":"unauthorized"}');
      return;
    }
    if (path === '/.well-known/oauth-protected-resource/a/mcp' || path === '/.well-known/oauth-protected-resource/b/mcp') {
      const round = path.endsWith('/a/mcp') ? 'a' : 'b';
      return json(res, 200, {
        resource: `${base}/${round}/mcp`,
        authorization_servers: [round === 'a' ? issuerA() : issuerB()],
        scopes_supported: HOSTILE_SCOPES,
        resource_name: `${XSS_IMG} ${JS_URL} ${RLO}`,
        resource_documentation: JS_URL,
      });
    }
    if (path.startsWith('/.well-known/') && path.includes('/as-a/')) {
      return json(res, 200, { ...asMetadata(base, issuerB()), issuer: BAD_ISSUER });
    }
    if (path.startsWith('/.well-known/') && path.includes('/as-b/')) {
      return json(res, 200, asMetadata(base, issuerB()));
    }
    if (path === '/register' && req.method === 'POST') {
      const asked = JSON.parse(body || '{}') as Record<string, unknown>;
      return json(res, 201, {
        ...asked,
        client_id: HOSTILE_CLIENT_ID,
        client_name: `${XSS_IMG} ${RLO}${HUGE}`,
        client_uri: JS_URL,
        token_endpoint_auth_method: 'none',
      });
    }
    if (path.startsWith('/authorize/')) {
      const redirect = new URL(url.searchParams.get('redirect_uri') ?? 'http://127.0.0.1/');
      redirect.searchParams.set('code', 'hostile-code');
      redirect.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: redirect.href });
      res.end();
      return;
    }
    if (path === '/token' && req.method === 'POST') {
      return json(res, 200, {
        access_token: `hostile-at-${Date.now()}`,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: 'hostile-rt',
        scope: HOSTILE_SCOPES.join(' '),
      });
    }
    json(res, 404, { error: 'not_found', error_description: `${XSS_IMG} ${RLO}` });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    failingMcpUrl: `${base}/a/mcp`,
    mcpUrl: `${base}/b/mcp`,
    issuer: issuerB(),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function asMetadata(base: string, issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${base}/authorize/%3Cimg%20src=x%20onerror=alert(1)%3E?next=javascript:alert(1)`,
    token_endpoint: `${base}/token`,
    registration_endpoint: `${base}/register`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    authorization_response_iss_parameter_supported: false, // its 100 KB issuer would not fit in a redirect
    scopes_supported: HOSTILE_SCOPES,
    service_documentation: JS_URL,
    op_policy_uri: `${XSS_IMG}`,
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}
