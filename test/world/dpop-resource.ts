/**
 * A resource server's side of DPoP (RFC 9449 §7) for the test world's MCP server: every request
 * must carry `Authorization: DPoP <token>` and a `DPoP` proof header. The proof is checked with
 * jose against the key embedded in it (`typ dpop+jwt`), then its claims: `htm` and `htu` (§4.3,
 * the request URL without query and fragment, compared after URL normalisation), `iat` within a
 * window, `jti` never seen before (a replay cache), `ath` = the hash of the token, the token's
 * `cnf.jkt` = the proof key's thumbprint and, when switched on, the server's nonce (§9). A Bearer
 * use of a DPoP-bound token is refused. Every refusal is a 401 with a `DPoP` challenge and is
 * counted by its reason, so attacker tests can say why a copy did not work.
 */
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { accessTokenHash } from '../../electron/base/net/dpop-wire.js';

/** Why a request was refused, one name per check. */
export type DpopRefusal =
  | 'no-token'
  | 'invalid-token'
  | 'bearer-for-bound-token'
  | 'token-not-bound'
  | 'missing-proof'
  | 'invalid-proof'
  | 'wrong-method'
  | 'wrong-url'
  | 'stale-proof'
  | 'replayed-proof'
  | 'wrong-token-hash'
  | 'wrong-key'
  | 'use-dpop-nonce';

export interface DpopCounters {
  /** Requests whose token and proof passed every check. */
  accepted: number;
  /** Refusals by reason. */
  refused: Partial<Record<DpopRefusal, number>>;
}

/** What a request carried, as the guard needs it. */
export interface DpopRequest {
  method: string;
  /** The full request URL as the server sees it. */
  url: string;
  authorization: string | undefined;
  proof: string | undefined;
}

export type DpopCheck =
  | { ok: true; token: string; claims: JWTPayload }
  | { ok: false; reason: DpopRefusal; description: string };

export interface DpopResourceOptions {
  /** Ask proofs to carry this server's nonce (answered with `use_dpop_nonce` first). Switchable later. */
  requireNonce: boolean;
  /** How far `iat` may be from now, seconds (default 60). */
  iatWindowSeconds?: number;
}

export interface DpopGuardDeps extends DpopResourceOptions {
  /** Verifies the access token itself (signature, issuer, audience, expiry, typ); throws when it is not valid. */
  verifyToken: (token: string) => Promise<JWTPayload>;
  /** Named in every challenge, when given. */
  resourceMetadataUrl?: string;
  now?: () => number;
}

export interface DpopResourceGuard {
  readonly counters: DpopCounters;
  /** The `Authorization` and `DPoP` headers of the last accepted request (what an eavesdropper would copy). */
  readonly lastAccepted: { authorization: string; proof: string } | undefined;
  /** The nonce proofs must carry while it is required. */
  readonly nonce: string;
  setRequireNonce(required: boolean): void;
  /** Runs every check on one request and counts the outcome. */
  check(request: DpopRequest): Promise<DpopCheck>;
  /** Express middleware: refuses with 401 and a DPoP challenge, or sets `req.auth` and goes on. */
  middleware(resource: URL): (req: Request, res: Response, next: NextFunction) => void;
}

const PROOF_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'];
const ISSUED_ALGORITHMS = PROOF_ALGORITHMS.join(' ');

export function createDpopResourceGuard(deps: DpopGuardDeps): DpopResourceGuard {
  const counters: DpopCounters = { accepted: 0, refused: {} };
  const now = deps.now ?? Date.now;
  const windowSeconds = deps.iatWindowSeconds ?? 60;
  const nonce = randomBytes(16).toString('base64url');
  let requireNonce = deps.requireNonce;
  let lastAccepted: { authorization: string; proof: string } | undefined;
  /** jti → when it may be forgotten (ms): a proof older than the window is refused anyway. */
  const seen = new Map<string, number>();

  const refuse = (reason: DpopRefusal, description: string): DpopCheck => {
    counters.refused[reason] = (counters.refused[reason] ?? 0) + 1;
    return { ok: false, reason, description };
  };

  const rememberJti = (jti: string): boolean => {
    const at = now();
    for (const [old, forgetAt] of seen) if (forgetAt <= at) seen.delete(old);
    if (seen.has(jti)) return false;
    seen.set(jti, at + 2 * windowSeconds * 1000);
    return true;
  };

  const check = async (request: DpopRequest): Promise<DpopCheck> => {
    const credentials = readAuthorization(request.authorization);
    if (credentials === undefined) return refuse('no-token', 'The request carries no access token.');
    let claims: JWTPayload;
    try {
      claims = await deps.verifyToken(credentials.token);
    } catch {
      return refuse('invalid-token', 'The access token is not valid for this server.');
    }
    const jkt = boundThumbprint(claims);
    if (credentials.scheme === 'bearer') {
      return jkt === undefined
        ? refuse('token-not-bound', 'This server takes DPoP-bound tokens only.')
        : refuse('bearer-for-bound-token', 'The token is bound to a key: send it as Authorization: DPoP with a proof.');
    }
    if (jkt === undefined) return refuse('token-not-bound', 'The token is not bound to a key (no cnf.jkt).');
    if (request.proof === undefined || request.proof === '') return refuse('missing-proof', 'A DPoP-bound token needs a DPoP proof.');

    let proof: JWTPayload;
    let proofKey: string;
    try {
      ({ payload: proof } = await jwtVerify(request.proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: PROOF_ALGORITHMS }));
      proofKey = await calculateJwkThumbprint(decodeProtectedHeader(request.proof).jwk as JWK, 'sha256');
    } catch {
      return refuse('invalid-proof', 'The DPoP proof is not a valid dpop+jwt signed by its embedded key.');
    }
    if (proof['htm'] !== request.method.toUpperCase()) return refuse('wrong-method', 'The proof was made for another method.');
    if (typeof proof['htu'] !== 'string' || normalisedHtu(proof['htu']) !== normalisedHtu(request.url)) {
      return refuse('wrong-url', 'The proof was made for another URL.');
    }
    const nowSeconds = now() / 1000;
    if (typeof proof.iat !== 'number' || Math.abs(nowSeconds - proof.iat) > windowSeconds) return refuse('stale-proof', 'The proof is too old or from the future.');
    if (typeof proof.jti !== 'string' || proof.jti === '') return refuse('invalid-proof', 'The proof has no jti.');
    if (!rememberJti(proof.jti)) return refuse('replayed-proof', 'This proof was used before.');
    if (proof['ath'] !== accessTokenHash(credentials.token)) return refuse('wrong-token-hash', 'The proof was made for another token (ath).');
    if (proofKey !== jkt) return refuse('wrong-key', 'The proof is signed by a key the token is not bound to.');
    if (requireNonce && proof['nonce'] !== nonce) return refuse('use-dpop-nonce', 'The proof must carry this server\'s nonce.');
    counters.accepted += 1;
    lastAccepted = { authorization: request.authorization ?? '', proof: request.proof };
    return { ok: true, token: credentials.token, claims };
  };

  const challenge = (outcome: Extract<DpopCheck, { ok: false }>): string => {
    const error = outcome.reason === 'use-dpop-nonce' ? 'use_dpop_nonce' : outcome.reason === 'no-token' ? undefined : 'invalid_token';
    const params = [
      ...(error === undefined ? [] : [`error="${error}"`, `error_description="${outcome.description.replaceAll('"', "'")}"`]),
      `algs="${ISSUED_ALGORITHMS}"`,
      ...(deps.resourceMetadataUrl === undefined ? [] : [`resource_metadata="${deps.resourceMetadataUrl}"`]),
    ];
    return `DPoP ${params.join(', ')}`;
  };

  return {
    counters,
    get lastAccepted() {
      return lastAccepted;
    },
    nonce,
    setRequireNonce: (required) => {
      requireNonce = required;
    },
    check,
    middleware: (resource) => (req, res, next) => {
      const url = new URL(req.originalUrl, resource.origin).href;
      check({ method: req.method, url, authorization: req.headers.authorization, proof: singleHeader(req.headers.dpop) }).then(
        (outcome) => {
          if (requireNonce) res.set('DPoP-Nonce', nonce);
          if (!outcome.ok) {
            res.set('WWW-Authenticate', challenge(outcome));
            res.status(401).json({ error: outcome.reason, error_description: outcome.description });
            return;
          }
          req.auth = authInfoOf(outcome.token, outcome.claims, resource);
          next();
        },
        (error: unknown) => next(error),
      );
    },
  };
}

/** The scheme and token of an Authorization header, for the two schemes this server reads. */
function readAuthorization(header: string | undefined): { scheme: 'bearer' | 'dpop'; token: string } | undefined {
  const match = /^(\S+) +(\S+)$/u.exec(header ?? '');
  const scheme = match?.[1]?.toLowerCase();
  if (match?.[2] === undefined || (scheme !== 'bearer' && scheme !== 'dpop')) return undefined;
  return { scheme, token: match[2] };
}

function boundThumbprint(claims: JWTPayload): string | undefined {
  const cnf = claims['cnf'];
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const jkt = (cnf as Record<string, unknown>)['jkt'];
  return typeof jkt === 'string' && jkt !== '' ? jkt : undefined;
}

/** RFC 9449 §4.3: the URL without query and fragment, with the URL parser's normalisation (case, default port, dot segments). */
function normalisedHtu(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return undefined;
  }
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

function authInfoOf(token: string, claims: JWTPayload, resource: URL): AuthInfo {
  return {
    token,
    clientId: typeof claims['client_id'] === 'string' ? claims['client_id'] : '',
    scopes: typeof claims['scope'] === 'string' ? claims['scope'].split(' ').filter((s) => s !== '') : [],
    ...(claims.exp === undefined ? {} : { expiresAt: claims.exp }),
    resource,
    extra: { sub: claims.sub, aud: claims.aud, cnf: claims['cnf'] },
  };
}
