/**
 * The MCP part of the conformance client: the MCP SDK v2 `Client` over Streamable HTTP, speaking
 * the revision the harness asks for, with a fetch that carries Latchkey's access token and hands
 * every 401/403 back to the wallet (`handleAuthChallenge`: first sign-in, refresh,
 * re-authorization or scope step-up), then retries. No OAuth happens here: the SDK's auth
 * provider is never given, so the SDK never runs its own.
 */
import { Client, StreamableHTTPClientTransport, type FetchLike, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import type { AccessTokenResult } from '../../shared/connections.js';
import { accessTokenHash, resourceNonceChallenge } from '../../electron/wallet/oauth/dpop-proof.js';
import { exerciseFor } from './exercises.js';

/** The first revision of the stateless (`server/discover` + per-request `_meta`) wire. */
export const MODERN_REVISION = '2026-07-28';

/** Bound on challenges answered for one request, independent of the wallet's own step-up limit. */
const MAX_CHALLENGES_PER_REQUEST = 3;

/** Answers one 401/403: Latchkey's OAuth code signs in, refreshes or steps up and returns the new token. */
export type AnswerChallenge = (status: number, wwwAuthenticate: string | null) => Promise<AccessTokenResult>;

/** Asks the wallet for a DPoP proof for one request (the key stays in the wallet). */
export type ProofFor = (request: { method: string; url: string; ath: string; nonce: string | undefined }) => Promise<string>;

export interface AuthorizedFetchOptions {
  answerChallenge: AnswerChallenge;
  report: (line: string) => void;
  /** For a DPoP-bound token: every request goes with `Authorization: DPoP` and a fresh proof from here. */
  proofFor?: ProofFor;
}

/**
 * A fetch for the MCP transport. It starts without a token, so a server that lets some calls
 * through unauthenticated is used as it is until its first 401, whose challenge (scopes,
 * resource metadata) then drives the sign-in; after that every request carries the Bearer token.
 */
export function createAuthorizedFetch(options: AuthorizedFetchOptions): FetchLike {
  let token: AccessTokenResult | undefined;
  /** The resource server's latest DPoP nonce (RFC 9449 §9). */
  let nonce: string | undefined;
  const send = async (url: string | URL, init: RequestInit | undefined): Promise<Response> => {
    const headers = new Headers(init?.headers);
    if (token?.tokenType === 'DPoP' && options.proofFor !== undefined) {
      headers.set('authorization', `DPoP ${token.accessToken}`);
      headers.set('dpop', await options.proofFor({ method: init?.method ?? 'GET', url: String(url), ath: accessTokenHash(token.accessToken), nonce }));
    } else if (token !== undefined) {
      headers.set('authorization', `Bearer ${token.accessToken}`);
    }
    const response = await fetch(url, { ...init, headers });
    nonce = response.headers.get('dpop-nonce') ?? nonce;
    return response;
  };
  return async (url, init) => {
    let response = await send(url, init);
    for (let challenges = 0; (response.status === 401 || response.status === 403) && challenges < MAX_CHALLENGES_PER_REQUEST; challenges++) {
      if (token?.tokenType === 'DPoP' && resourceNonceChallenge(response) !== undefined) {
        options.report(`mcp: ${init?.method ?? 'GET'} asked for a DPoP nonce, retrying with a fresh proof`);
        await response.text();
        response = await send(url, init);
        continue;
      }
      const challenge = response.headers.get('www-authenticate');
      options.report(`mcp: ${init?.method ?? 'GET'} answered ${response.status} (${challenge ?? 'no WWW-Authenticate'})`);
      await response.text();
      const fresh = await options.answerChallenge(response.status, challenge);
      token = fresh;
      options.report(`mcp: wallet gave a ${fresh.tokenType} token with scope "${fresh.scope.join(' ')}", retrying`);
      response = await send(url, init);
    }
    return response;
  };
}

/**
 * The SDK's negotiation for the revision the harness named: the modern wire pinned when it asks
 * for 2026-07-28 or later, the plain 2025 handshake for an older one, and probing when it names none.
 */
export function chooseNegotiation(protocolVersion: string | undefined): VersionNegotiationMode {
  if (protocolVersion === undefined || protocolVersion === '') return 'auto';
  // Revisions are ISO dates, so they order as strings.
  return protocolVersion >= MODERN_REVISION ? { pin: protocolVersion } : 'legacy';
}

export interface SessionOptions {
  serverUrl: string;
  scenario: string;
  protocolVersion: string | undefined;
  /** MCP_CONFORMANCE_CONTEXT: scenario inputs (credentials, tool calls). */
  context: Record<string, unknown>;
  fetch: FetchLike;
}

/** Connects (server/discover or initialize), runs the scenario's exercise, closes; returns a one-line outcome. */
export async function runMcpSession(options: SessionOptions): Promise<string> {
  const exercise = exerciseFor(options.scenario, options.context);
  const client = new Client(
    { name: 'latchkey-conformance', version: '0.1.0' },
    { capabilities: exercise.capabilities ?? {}, versionNegotiation: { mode: chooseNegotiation(options.protocolVersion) } },
  );
  exercise.prepare?.(client);
  const transport = new StreamableHTTPClientTransport(new URL(options.serverUrl), { fetch: options.fetch });
  await client.connect(transport);
  try {
    const outcome = await exercise.run(client);
    return `protocol ${client.getNegotiatedProtocolVersion() ?? 'unknown'} ${outcome}`;
  } finally {
    await client.close();
  }
}
