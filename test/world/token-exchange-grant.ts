/**
 * RFC 8693 token exchange on the world's authorization server, for delegation to sub-agents: a
 * client trades an access token this AS issued to it (the subject token) for one that is never
 * wider: scopes ⊆ the subject's, the same audience, an expiry no later than the subject's. The
 * issued at+jwt token carries `act` naming the client that exchanged it, with the subject token's
 * own `act` nested inside, so each exchange in a chain adds one level. No actor token is taken
 * (docs/protocol.md T5 says why). Refusals use RFC 8693's codes: invalid_request, invalid_scope,
 * invalid_target.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { errors, type KoaContextWithOIDC, type Provider } from 'oidc-provider';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface TokenExchangeSettings {
  issuer: string;
  /** The AS's signing key pair (the one its JWKS publishes) and the key id it publishes it under. */
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
  /** The lifetime an exchanged token gets at most, seconds (capped by the subject's expiry). */
  ttlSeconds: () => number;
}

const PARAMETERS = ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'requested_token_type', 'scope', 'resource', 'audience'];

/** Adds the grant to `provider` (advertised in grant_types_supported from then on). */
export function registerTokenExchange(provider: Provider, settings: TokenExchangeSettings): void {
  provider.registerGrantType(TOKEN_EXCHANGE_GRANT, (ctx) => exchange(ctx, settings), PARAMETERS);
}

async function exchange(ctx: KoaContextWithOIDC, settings: TokenExchangeSettings): Promise<void> {
  const params = (ctx.oidc.params ?? {}) as Record<string, unknown>;
  const client = ctx.oidc.client;
  if (client === undefined) throw new errors.InvalidClient('client authentication failed');
  if (params['subject_token_type'] !== ACCESS_TOKEN_TYPE || typeof params['subject_token'] !== 'string') {
    throw new errors.InvalidRequest('subject_token must be an access token of this server');
  }
  if (params['actor_token'] !== undefined) throw new errors.InvalidRequest('actor tokens are not accepted here');
  if (params['requested_token_type'] !== undefined && params['requested_token_type'] !== ACCESS_TOKEN_TYPE) {
    throw new errors.InvalidRequest('only access tokens are issued');
  }
  const subject = await verifySubject(params['subject_token'], settings);
  // Only the client the subject token was issued to may exchange it.
  if (subject.client_id !== client.clientId) throw new errors.InvalidGrant('the subject token was not issued to this client');
  if (subject['cnf'] !== undefined) throw new errors.InvalidRequest('sender-constrained subject tokens are not exchanged here');
  const audience = typeof subject.aud === 'string' ? subject.aud : undefined;
  const resource = typeof params['resource'] === 'string' ? params['resource'] : audience;
  if (audience === undefined || resource !== audience) throw new errors.InvalidTarget('the resource must be the subject token’s audience');
  const held = typeof subject['scope'] === 'string' ? subject['scope'].split(' ').filter((s) => s !== '') : [];
  const asked = typeof params['scope'] === 'string' ? params['scope'].split(' ').filter((s) => s !== '') : held;
  const beyond = asked.filter((scope) => !held.includes(scope));
  if (beyond.length > 0) throw new errors.InvalidScope('the requested scope is wider than the subject token’s', beyond.join(' '));
  const now = Math.floor(Date.now() / 1000);
  const exp = Math.min(now + settings.ttlSeconds(), subject.exp ?? now);
  const act = { sub: client.clientId, ...(isRecord(subject['act']) ? { act: subject['act'] } : {}) };
  const accessToken = await new SignJWT({ scope: asked.join(' '), client_id: client.clientId, act })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: settings.kid })
    .setIssuer(settings.issuer)
    .setSubject(subject.sub ?? '')
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(settings.privateKey);
  ctx.body = { access_token: accessToken, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: exp - now, scope: asked.join(' ') };
}

async function verifySubject(token: string, settings: TokenExchangeSettings): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, settings.publicKey, { issuer: settings.issuer, typ: 'at+jwt', algorithms: ['ES256'] });
    return payload;
  } catch {
    throw new errors.InvalidGrant('the subject token is not a live access token of this server');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
