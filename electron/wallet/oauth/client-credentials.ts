/**
 * An agent's own client at an authorization server (protocol.md R5): the client credentials grant
 * (RFC 6749 §4.4) with `client_secret_basic` or `private_key_jwt` (RFC 7523 §2.2). No browser and
 * no owner sign-in: the credential in the vault is the agent's identity at the AS.
 *
 * The request is openid-client's `clientCredentialsGrant`, never hand-rolled; `resource` (RFC 8707)
 * and the scopes come from the caller; a DPoP key, when given, proves possession on the request
 * (RFC 9449) and the token comes back DPoP-bound. Key pairs are generated here (jose, extractable so the
 * private JWK can be kept in the vault); only the public JWK and its thumbprint ever leave.
 */
import * as client from 'openid-client';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { isLoopbackHost, truncate } from '../../../shared/url.js';
import { clientSecretBasic, type AuthorizationServer, type NetworkContext } from './client-config.js';
import type { TokenRevocationResult } from '../../../shared/connections.js';
import type { CachedAccessToken, DpopKey } from './records.js';
import { dpopHandleFor, type DpopHandles } from './dpop-key.js';
import { cachedTokenFrom } from './tokens.js';
import { oauthErrorCode, tokenRequestError } from './token-errors.js';

export const AGENT_KEY_ALGORITHMS = ['ES256', 'RS256'] as const;
export type AgentKeyAlgorithm = (typeof AGENT_KEY_ALGORITHMS)[number];

/**
 * Where a workload identity's platform token is read, at every grant (platforms rotate them): a
 * file, or an environment variable of the process that runs the wallet. The token itself is never kept.
 */
export const WorkloadTokenSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('env'), name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/) }),
]);
export type WorkloadTokenSource = z.infer<typeof WorkloadTokenSource>;

export const AgentClientAuth = z.discriminatedUnion('method', [
  z.object({ method: z.literal('client_secret_basic'), clientSecret: z.string().min(1) }),
  z.object({
    method: z.literal('private_key_jwt'),
    alg: z.enum(AGENT_KEY_ALGORITHMS),
    /** The private key as a JWK; it never leaves the vault. `kid` is its RFC 7638 thumbprint. */
    privateJwk: z.looseObject({ kty: z.string(), kid: z.string().optional() }),
  }),
  /** A workload identity (R6): the JWT-bearer grant with the platform's token; the client, if any, is public. */
  z.object({ method: z.literal('workload_token'), source: WorkloadTokenSource }),
]);
export type AgentClientAuth = z.infer<typeof AgentClientAuth>;

/** One agent's own client at one authorization server, as kept in the vault. */
export const AgentClientRecord = z.object({
  issuer: z.string(),
  /** Empty only for a workload identity that presents its token without a client. */
  clientId: z.string(),
  auth: AgentClientAuth,
  createdAt: z.number(),
});
export type AgentClientRecord = z.infer<typeof AgentClientRecord>;

/** A freshly generated key pair: the private half for the vault, the public half to register. */
export interface AgentKeyPair {
  alg: AgentKeyAlgorithm;
  privateJwk: JWK;
  publicJwk: JWK;
  /** RFC 7638 thumbprint (SHA-256), also the key's `kid`: what the owner and the audit see. */
  thumbprint: string;
}

/** Generates the agent's signing key; the public JWK carries `kid`, `alg` and `use: sig` for a jwks document. */
export async function generateAgentKey(alg: AgentKeyAlgorithm = 'ES256'): Promise<AgentKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const thumbprint = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    alg,
    privateJwk: { ...privateJwk, kid: thumbprint, alg },
    publicJwk: { ...publicJwk, kid: thumbprint, alg, use: 'sig' },
    thumbprint,
  };
}

/** The public half of a stored private JWK (what an administrator registers). */
export function publicJwkOf(privateJwk: Record<string, unknown>): Record<string, unknown> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, key_ops: _ops, ext: _ext, ...rest } = privateJwk;
  return { ...rest, use: 'sig' };
}

export interface ClientCredentialsRequest {
  /** RFC 8707 resource indicator (the MCP server); omitted for an AS that rejects it. */
  resource?: string | undefined;
  scopes: readonly string[];
  /** Binds the token to this key (RFC 9449) when the authorization server offers DPoP; the answer says `DPoP`. */
  dpopKey?: DpopKey | undefined;
  /** The wallet's handles, which keep the server's last nonce per key; without them, a fresh handle. */
  dpopHandles?: DpopHandles | undefined;
}

/**
 * One client credentials grant for the agent's own client. Refusals become their own codes with
 * a hint: `invalid_client` (the AS does not know or accept the credential) and `unauthorized_client`
 * / `unsupported_grant_type` / `access_denied` (the client may not use this grant); `invalid_scope`
 * names the scopes. Any other refusal keeps the server's code and description.
 */
export async function clientCredentialsToken(
  as: AuthorizationServer,
  record: AgentClientRecord,
  request: ClientCredentialsRequest,
  net: NetworkContext,
  now: () => number,
): Promise<CachedAccessToken> {
  const config = await agentClientConfiguration(as, record, net);
  const parameters: Record<string, string> = {
    ...(request.scopes.length > 0 ? { scope: request.scopes.join(' ') } : {}),
    ...(request.resource === undefined ? {} : { resource: request.resource }),
  };
  try {
    const DPoP = request.dpopHandles === undefined ? await dpopHandleFor(config, request.dpopKey) : await request.dpopHandles.handleFor(config, request.dpopKey);
    const response = await client.clientCredentialsGrant(config, parameters, DPoP === undefined ? undefined : { DPoP });
    return cachedTokenFrom(response, request.scopes, now());
  } catch (error) {
    throw clientCredentialsError(record, request, error);
  }
}

/**
 * Revokes a token the agent's own client holds (RFC 7009), authenticated as that client; best
 * effort, as for owner connections: `unsupported` when the server has no revocation endpoint.
 */
export async function revokeAgentClientToken(as: AuthorizationServer, record: AgentClientRecord, accessToken: string, net: NetworkContext): Promise<TokenRevocationResult> {
  if (typeof as.revocation_endpoint !== 'string') return { outcome: 'unsupported', error: 'no_revocation_endpoint' };
  try {
    await client.tokenRevocation(await agentClientConfiguration(as, record, net), accessToken, { token_type_hint: 'access_token' });
    return { outcome: 'revoked' };
  } catch (error) {
    const code = grantErrorCode(error);
    // The server's code, reduced to code characters: it ends up in the audit log.
    return { outcome: 'failed', error: code === undefined ? 'unreachable' : code.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60) || 'failed' };
  }
}

/** As client-config.ts builds it: the guarded fetch, a timeout, plain http only for a loopback issuer when allowed. */
async function agentClientConfiguration(as: AuthorizationServer, record: AgentClientRecord, net: NetworkContext): Promise<client.Configuration> {
  const auth = record.auth;
  const config = new client.Configuration(
    as,
    record.clientId,
    { token_endpoint_auth_method: auth.method === 'workload_token' ? 'none' : auth.method },
    auth.method === 'client_secret_basic' ? clientSecretBasic(record.clientId, auth.clientSecret) : auth.method === 'private_key_jwt' ? await privateKeyJwt(auth) : client.None(),
  );
  config[client.customFetch] = (url, options) => net.fetch(url, options as RequestInit);
  config.timeout = 30;
  if (net.policy.allowInsecureLoopback && isLoopbackHost(new URL(as.issuer).hostname)) client.allowInsecureRequests(config);
  return config;
}

export async function privateKeyJwt(auth: Extract<AgentClientAuth, { method: 'private_key_jwt' }>): Promise<client.ClientAuth> {
  const key = await importJWK(auth.privateJwk as JWK, auth.alg);
  if (key instanceof Uint8Array) throw new LatchkeyError(ErrorCode.Internal, 'The agent key is not a private key.');
  return client.PrivateKeyJwt({ key, ...(auth.privateJwk.kid === undefined ? {} : { kid: auth.privateJwk.kid }) });
}

/**
 * The OAuth error of a failed grant. A 401 with WWW-Authenticate reaches us as a challenge error,
 * not a body error; at the token endpoint a 401 is invalid_client (RFC 6749 §5.2).
 */
export function grantErrorCode(error: unknown): string | undefined {
  if (!(error instanceof client.WWWAuthenticateChallengeError)) return oauthErrorCode(error);
  const named = error.cause.map((challenge) => challenge.parameters.error).find((code) => code !== undefined);
  return named ?? (error.status === 401 ? 'invalid_client' : undefined);
}

function clientCredentialsError(record: AgentClientRecord, request: ClientCredentialsRequest, error: unknown): LatchkeyError {
  const code = grantErrorCode(error);
  const details = { issuer: record.issuer, clientId: record.clientId, method: record.auth.method };
  if (code === 'invalid_client') {
    return new LatchkeyError(ErrorCode.AgentClientRejected, `${record.issuer} does not accept the agent's client ${truncate(record.clientId, 80)} (invalid_client).`, {
      hint:
        record.auth.method === 'private_key_jwt'
          ? "Check the client id and that the administrator registered the agent's public key (its thumbprint is its kid)."
          : 'Check the client id and secret with the administrator of the authorization server.',
      details: { ...details, error: code },
      cause: error,
    });
  }
  if (code === 'unauthorized_client' || code === 'unsupported_grant_type' || code === 'access_denied') {
    return new LatchkeyError(ErrorCode.AgentClientNotAllowed, `${record.issuer} does not let the agent's client use the client credentials grant (${code}).`, {
      hint: 'Ask the administrator to allow the client_credentials grant for this client.',
      details: { ...details, error: code },
      cause: error,
    });
  }
  if (code === 'invalid_scope' || code === 'invalid_target') {
    return new LatchkeyError(ErrorCode.AgentClientNotAllowed, `${record.issuer} refused ${code === 'invalid_scope' ? `the scopes ${request.scopes.join(' ') || '(none)'}` : `the resource ${request.resource ?? ''}`} for the agent's client (${code}).`, {
      hint: 'Ask the administrator which scopes and resources this client may have, and narrow the grant to them.',
      details: { ...details, error: code },
      cause: error,
    });
  }
  return tokenRequestError(record.issuer, "issue a token to the agent's client", error);
}
