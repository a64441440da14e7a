/**
 * The test world's MCP server: @modelcontextprotocol/sdk Streamable HTTP (stateless, JSON
 * responses) at `/mcp`, behind the SDK's requireBearerAuth with a jose verifier of the AS's JWT
 * access tokens (issuer, audience = this server's canonical URL, expiry, typ at+jwt). It serves
 * RFC 9728 protected resource metadata at the path-aware well-known URL.
 *
 * Scopes: every request needs `mcp:read`; the `write_note` tool also needs `mcp:write` and a
 * token without it gets HTTP 403 insufficient_scope naming the scopes to ask for.
 *
 * With the `dpop` option it takes DPoP-bound tokens only, each request with a fresh proof
 * (dpop-resource.ts checks them and counts every refusal by its reason).
 */
import type { NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { createDpopResourceGuard, type DpopResourceGuard, type DpopResourceOptions } from './dpop-resource.js';
import { listenOnLoopback } from './http.js';

export const MCP_READ = 'mcp:read';
export const MCP_WRITE = 'mcp:write';
/** Scopes each tool needs (besides the baseline `mcp:read` every request needs). */
export const TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = {
  echo: [MCP_READ],
  whoami: [MCP_READ],
  write_note: [MCP_READ, MCP_WRITE],
};

export interface McpServerOptions {
  /** The AS issuer the tokens must come from. */
  issuer: string;
  /** The AS JWKS URL (default `${issuer}/jwks`). */
  jwksUri?: string;
  /** PRM `scopes_supported` (default mcp:read mcp:write). */
  scopesSupported?: readonly string[];
  /**
   * Where protected resource metadata is served and whether 401/403 challenges carry
   * `resource_metadata` (default: path-aware URL only, advertised). For discovery-fallback tests.
   */
  resourceMetadata?: { pathAware?: boolean; root?: boolean; inChallenge?: boolean };
  /** Require DPoP-bound tokens with a proof per request (dpop-resource.ts) instead of Bearer tokens. */
  dpop?: DpopResourceOptions;
}

export interface McpCounters {
  /** Every request to /mcp, authorized or not. */
  requests: number;
  /** Requests that passed the bearer check (and the tool scope check). */
  authorized: number;
  /** 401 answers. */
  unauthorized: number;
  /** 403 answers (insufficient_scope). */
  forbidden: number;
  /** Successful tool calls by tool name. */
  toolCalls: Record<string, number>;
}

export interface TestMcpServer {
  /** Canonical resource URL, `http://127.0.0.1:<port>/mcp` (also the PRM `resource`). */
  readonly url: string;
  readonly origin: string;
  /** The PRM URL advertised: path-aware `…/.well-known/oauth-protected-resource/mcp` (or the root one if only that is served). */
  readonly resourceMetadataUrl: string;
  readonly counters: McpCounters;
  /** Claims of the last access token that verified (undefined before any). */
  readonly lastClaims: JWTPayload | undefined;
  /** Notes written by `write_note`, in order. */
  readonly notes: readonly string[];
  /** The DPoP checks, their counters and the last accepted headers (only with the `dpop` option). */
  readonly dpop: DpopResourceGuard | undefined;
  close(): Promise<void>;
}

export async function startMcpServer(options: McpServerOptions): Promise<TestMcpServer> {
  const counters: McpCounters = { requests: 0, authorized: 0, unauthorized: 0, forbidden: 0, toolCalls: {} };
  const notes: string[] = [];
  let lastClaims: JWTPayload | undefined;

  // Routes are added once the port (and so the resource URL) is known.
  const server = createMcpExpressApp({ host: '127.0.0.1' });
  server.disable('x-powered-by');
  const listener = await listenOnLoopback(server);
  const url = `${listener.origin}/mcp`;
  const prmPlacement = { pathAware: true, root: false, inChallenge: true, ...options.resourceMetadata };
  const pathAwareUrl = getOAuthProtectedResourceMetadataUrl(new URL(url));
  const rootUrl = `${listener.origin}/.well-known/oauth-protected-resource`;
  const resourceMetadataUrl = prmPlacement.pathAware || !prmPlacement.root ? pathAwareUrl : rootUrl;
  const challengeMetadataUrl = prmPlacement.inChallenge ? resourceMetadataUrl : undefined;
  const scopesSupported = [...(options.scopesSupported ?? [MCP_READ, MCP_WRITE])];

  const jwks = createRemoteJWKSet(new URL(options.jwksUri ?? `${options.issuer}/jwks`));
  const verifier: OAuthTokenVerifier = {
    verifyAccessToken: async (token) => {
      const payload = await verifyJwt(token, jwks, options.issuer, url);
      lastClaims = payload;
      return {
        token,
        clientId: typeof payload.client_id === 'string' ? payload.client_id : '',
        scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter((s) => s !== '') : [],
        ...(payload.exp === undefined ? {} : { expiresAt: payload.exp }),
        resource: new URL(url),
        extra: { sub: payload.sub, aud: payload.aud },
      };
    },
  };

  const protectedResourceMetadata = {
    resource: url,
    authorization_servers: [options.issuer],
    scopes_supported: scopesSupported,
    resource_name: 'Latchkey test MCP server',
  };
  if (prmPlacement.pathAware) server.use(new URL(pathAwareUrl).pathname, metadataHandler(protectedResourceMetadata));
  if (prmPlacement.root) server.use(new URL(rootUrl).pathname, metadataHandler(protectedResourceMetadata));
  server.use('/mcp', (_req, res, next) => {
    counters.requests += 1;
    res.on('finish', () => {
      if (res.statusCode === 401) counters.unauthorized += 1;
      if (res.statusCode === 403) counters.forbidden += 1;
    });
    next();
  });
  const dpop =
    options.dpop === undefined
      ? undefined
      : createDpopResourceGuard({
          ...options.dpop,
          verifyToken: async (token) => (lastClaims = await verifyJwt(token, jwks, options.issuer, url)),
          ...optionalUrl(challengeMetadataUrl),
        });
  server.use(
    '/mcp',
    dpop === undefined
      ? requireBearerAuth({ verifier, requiredScopes: [MCP_READ], expectedResource: new URL(url), ...optionalUrl(challengeMetadataUrl) })
      : dpop.middleware(new URL(url)),
  );
  server.use('/mcp', requireToolScopes(challengeMetadataUrl));
  server.all('/mcp', async (req, res) => {
    counters.authorized += 1;
    const mcp = createToolServer(req.auth, counters, notes);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  return {
    url,
    origin: listener.origin,
    resourceMetadataUrl,
    counters,
    get lastClaims() {
      return lastClaims;
    },
    notes,
    dpop,
    close: () => listener.close(),
  };
}

async function verifyJwt(
  token: string,
  jwks: ReturnType<typeof createRemoteJWKSet>,
  issuer: string,
  audience: string,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, jwks, { issuer, audience, typ: 'at+jwt', algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'] });
    return payload;
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'ERR_JWT_INVALID';
    throw new InvalidTokenError(`The access token is not valid for this server (${reason}).`);
  }
}

const toolCallSchema = z.object({
  method: z.literal('tools/call'),
  params: z.object({ name: z.string() }),
});

/**
 * Per-tool scopes at the HTTP layer, where MCP step-up lives: a tools/call for a tool whose scopes
 * the token lacks gets 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope=…`.
 */
function optionalUrl(resourceMetadataUrl: string | undefined): { resourceMetadataUrl?: string } {
  return resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl };
}

function requireToolScopes(resourceMetadataUrl: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const granted = new Set(req.auth?.scopes ?? []);
    const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
    for (const message of messages) {
      const call = toolCallSchema.safeParse(message);
      if (!call.success) continue;
      const needed = TOOL_SCOPES[call.data.params.name] ?? [];
      if (needed.every((scope) => granted.has(scope))) continue;
      const scope = [...new Set([...granted, ...needed])].join(' ');
      res.set(
        'WWW-Authenticate',
        `Bearer error="insufficient_scope", error_description="The tool ${call.data.params.name} needs ${needed.join(' ')}", scope="${scope}"` +
          (resourceMetadataUrl === undefined ? '' : `, resource_metadata="${resourceMetadataUrl}"`),
      );
      res.status(403).json({ error: 'insufficient_scope', error_description: `The tool ${call.data.params.name} needs ${needed.join(' ')}` });
      return;
    }
    next();
  };
}

function createToolServer(auth: AuthInfo | undefined, counters: McpCounters, notes: string[]): McpServer {
  const mcp = new McpServer({ name: 'latchkey-test-world', version: '1.0.0' });
  const count = (tool: string) => {
    counters.toolCalls[tool] = (counters.toolCalls[tool] ?? 0) + 1;
  };
  mcp.registerTool(
    'echo',
    { description: 'Returns the text it is given. Needs mcp:read.', inputSchema: { text: z.string() } },
    ({ text }) => {
      count('echo');
      return { content: [{ type: 'text', text }] };
    },
  );
  mcp.registerTool('whoami', { description: 'Returns sub, scope, aud and client_id of the access token. Needs mcp:read.' }, () => {
    count('whoami');
    const extra = auth?.extra ?? {};
    const claims = { sub: extra.sub, scope: auth?.scopes.join(' ') ?? '', aud: extra.aud, client_id: auth?.clientId };
    return { content: [{ type: 'text', text: JSON.stringify(claims) }], structuredContent: claims };
  });
  mcp.registerTool(
    'write_note',
    { description: 'Stores a note. Needs mcp:read and mcp:write.', inputSchema: { text: z.string() } },
    ({ text }) => {
      count('write_note');
      notes.push(text);
      return { content: [{ type: 'text', text: `stored note ${notes.length}` }] };
    },
  );
  return mcp;
}
