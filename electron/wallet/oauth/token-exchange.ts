/**
 * RFC 8693 token exchange for a delegated session (protocol.md T5, threat T40): the parent's
 * access token (the subject token) is traded at the connection's authorization server for one
 * with the child's scopes at the same resource. No actor token is sent: the server's `act` names
 * the client that asked (T5 says why). What comes back is checked before anyone gets it: scopes
 * within those asked, an audience that is the resource, an expiry no later than the subject
 * token's. Anything wider is refused (CannotNarrow), never handed out. A server that advertises
 * the grant but will not run it for this client is 'unavailable': the caller narrows as before.
 */
import * as client from 'openid-client';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { CachedAccessToken } from './records.js';
import { cachedTokenFrom } from './tokens.js';
import { oauthErrorCode, tokenRequestError } from './token-errors.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** The subject token may expire this much before the exchanged one without it counting as longer (clock rounding). */
const EXPIRY_SLACK_MS = 1_000;
/** Refusals that mean "not for this client": the grant is unused here, narrowing applies. */
const UNAVAILABLE = new Set(['unsupported_grant_type', 'unauthorized_client', 'invalid_request']);

/** Whether the authorization server's metadata advertises the token-exchange grant. */
export function offersTokenExchange(serverMetadata: Readonly<Record<string, unknown>>): boolean {
  const supported = serverMetadata['grant_types_supported'];
  return Array.isArray(supported) && supported.includes(TOKEN_EXCHANGE_GRANT);
}

export interface ExchangeInput {
  issuer: string;
  resource: string;
  /** Whether the connection sends RFC 8707 `resource` on its token requests. */
  sendResource: boolean;
  /** The parent's access token and when it expires (epoch ms). */
  subject: { value: string; expiresAt: number };
  scopes: readonly string[];
}

export type ExchangeOutcome = { kind: 'token'; token: CachedAccessToken } | { kind: 'unavailable'; error: string };

export async function exchangeToken(config: client.Configuration, input: ExchangeInput, now: number): Promise<ExchangeOutcome> {
  const parameters: Record<string, string> = {
    subject_token: input.subject.value,
    subject_token_type: ACCESS_TOKEN_TYPE,
    requested_token_type: ACCESS_TOKEN_TYPE,
    scope: input.scopes.join(' '),
    ...(input.sendResource ? { resource: input.resource } : {}),
  };
  let response: client.TokenEndpointResponse;
  try {
    response = await client.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT, parameters);
  } catch (error) {
    const code = oauthErrorCode(error);
    if (code !== undefined && UNAVAILABLE.has(code)) return { kind: 'unavailable', error: code };
    if (code === 'invalid_scope' || code === 'invalid_target') throw wider(input, `it refused the exchange (${code})`);
    throw tokenRequestError(input.issuer, 'exchange a token for a delegated session', error);
  }
  if (response['issued_token_type'] !== ACCESS_TOKEN_TYPE || response.token_type.toLowerCase() !== 'bearer') {
    throw wider(input, 'it issued something other than a bearer access token');
  }
  const token = cachedTokenFrom(response, input.scopes, now);
  const extra = token.scope.filter((scope) => !input.scopes.includes(scope));
  if (extra.length > 0) throw wider(input, `it returned a token wider than asked (${extra.join(' ')})`);
  if (token.expiresAt > input.subject.expiresAt + EXPIRY_SLACK_MS) throw wider(input, 'it returned a token that outlives the one it was exchanged for');
  const audience = audienceOf(token.value);
  if (audience !== undefined && !audience.includes(input.resource)) throw wider(input, 'it returned a token for another audience');
  return { kind: 'token', token };
}

function wider(input: ExchangeInput, why: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.CannotNarrow, `${input.issuer} cannot give a delegated session its slice: ${why}.`, {
    hint: 'The sub-agent is refused; ask for scopes its parent holds, or use the connection without delegation.',
    details: { resource: input.resource, issuer: input.issuer },
  });
}

/** The `aud` of a JWT access token (undefined for an opaque one); read unverified, to refuse, never to trust. */
export function audienceOf(token: string): string[] | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1].length > 8192) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null || !('aud' in payload)) return undefined;
    const { aud } = payload;
    if (typeof aud === 'string') return [aud];
    return Array.isArray(aud) ? aud.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return undefined;
  }
}
