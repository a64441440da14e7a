/**
 * Authorization server metadata (protocol.md P3; RFC 8414, OpenID Connect Discovery), fetched
 * through the caller's SSRF-guarded fetch (P4) with the discovery deadline (P6) as its signal.
 *
 * Probe order, for an issuer with a path: OAuth path insertion, OIDC path insertion, OIDC path
 * appending; without a path: OAuth, then OIDC. A URL that is not there (non-200, unreachable,
 * timeout, refused redirect) moves on to the next; a document that is there but wrong stops:
 * its `issuer` must be exactly the issuer we asked for (IssuerMismatch, the metadata is not used),
 * and it must be a JSON object with usable endpoints (InvalidMetadata). When every URL missed, a
 * refused redirect or a timeout among them has its own code (discovery-misses.ts); only "not
 * published" is AuthServerMetadataNotFound.
 */
import { JSON_ATTRIBUTE_COMPARISON, OperationProcessingError, processDiscoveryResponse, type AuthorizationServer } from 'oauth4webapi';
import { z } from 'zod';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import { parseSecureUrl, truncate, type UrlPolicy } from '../../../shared/url.js';
import type { DiscoveryDeps } from './discover-resource.js';
import { describeSchemaIssue, describeUrlProblem } from './metadata-problems.js';
import { describeMisses, missedWithError, missedWithStatus, nothingFound, type Miss } from './discovery-misses.js';

export type { AuthorizationServer };

/** Errors that end discovery at once rather than moving on to the next URL. */
const HARD_FETCH_ERRORS = new Set<string>([
  ErrorCode.BlockedAddress,
  ErrorCode.InsecureUrl,
  ErrorCode.TlsVerificationDisabled,
  ErrorCode.ResponseTooLarge,
  ErrorCode.DiscoveryTimeout,
]);

/** Endpoints the wallet (or openid-client for it) may contact: each must pass the URL policy. */
const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'registration_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'userinfo_endpoint',
  'pushed_authorization_request_endpoint',
  'jwks_uri',
] as const;

const stringList = z.array(z.string()).optional();

const MetadataSchema = z.looseObject({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  registration_endpoint: z.string().optional(),
  revocation_endpoint: z.string().optional(),
  introspection_endpoint: z.string().optional(),
  userinfo_endpoint: z.string().optional(),
  pushed_authorization_request_endpoint: z.string().optional(),
  jwks_uri: z.string().optional(),
  scopes_supported: stringList,
  response_types_supported: stringList,
  grant_types_supported: stringList,
  code_challenge_methods_supported: stringList,
  token_endpoint_auth_methods_supported: stringList,
  authorization_response_iss_parameter_supported: z.boolean().optional(),
  client_id_metadata_document_supported: z.boolean().optional(),
});

export type IssuerDiscoveryDeps = DiscoveryDeps;

/** The RFC 8414 / OIDC metadata URLs for an issuer, in P3 order. */
export function metadataUrlsFor(issuer: URL): string[] {
  const path = issuer.pathname.replace(/\/+$/, '');
  const origin = issuer.origin;
  if (path === '') return [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`];
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}/.well-known/openid-configuration${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
  ];
}

/** P3: finds and validates the metadata of `issuer` (an entry of the PRM's authorization_servers). */
export async function discoverIssuer(issuer: string, deps: IssuerDiscoveryDeps): Promise<AuthorizationServer> {
  const issuerUrl = parseSecureUrl(issuer, deps.policy, 'authorization server');
  if (issuerUrl.search !== '' || issuerUrl.hash !== '' || issuer.includes('#')) {
    throw new LatchkeyError(ErrorCode.InvalidUrl, `The authorization server identifier ${truncate(issuer)} has a query or fragment, which RFC 8414 forbids.`, {
      hint: 'Ask the server operator to fix authorization_servers in its protected resource metadata.',
    });
  }
  return discoverIssuerAt(issuer, metadataUrlsFor(issuerUrl), deps);
}

/**
 * P3 on a given list of metadata URLs, in order (the 2025-03-26 fallback uses the origin's RFC
 * 8414 URL alone, with `headers` naming that revision). `issuer` must already have passed the URL
 * policy.
 */
export async function discoverIssuerAt(
  issuer: string,
  urls: readonly string[],
  deps: IssuerDiscoveryDeps,
  headers: Record<string, string> = {},
): Promise<AuthorizationServer> {
  const issuerUrl = new URL(issuer);
  const misses: Miss[] = [];
  for (const url of urls) {
    const found = await fetchMetadata(url, deps, headers);
    if (!found.ok) {
      misses.push(found.miss);
      deps.logger?.debug('discovery: no authorization server metadata here', { url, why: found.miss.why });
      continue;
    }
    const metadata = await checkMetadata(issuer, issuerUrl, found.response, url);
    validateFields(metadata, url, deps.policy);
    deps.logger?.debug('discovery: authorization server metadata', { url, issuer });
    return metadata;
  }
  throw nothingFound(
    `metadata for the authorization server ${issuer}`,
    misses,
    () =>
      new LatchkeyError(ErrorCode.AuthServerMetadataNotFound, `Found no metadata for the authorization server ${issuer} (tried ${describeMisses(misses)}).`, {
        hint: 'The authorization server publishes no RFC 8414 or OpenID Connect metadata; check with its operator.',
        details: { issuer, tried: misses.length },
      }),
  );
}

type Fetched = { ok: true; response: Response } | { ok: false; miss: Miss };

/** Fetches one candidate and buffers its body, so the size and time caps apply here. */
async function fetchMetadata(url: string, deps: DiscoveryDeps, headers: Record<string, string>): Promise<Fetched> {
  try {
    const response = await deps.fetch(url, { headers: { ...headers, accept: 'application/json' }, ...(deps.signal === undefined ? {} : { signal: deps.signal }) });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: false, miss: missedWithStatus(url, response.status) };
    }
    const text = await response.text();
    return { ok: true, response: new Response(text, { status: 200, headers: response.headers }) };
  } catch (error) {
    if (!isLatchkeyError(error) || HARD_FETCH_ERRORS.has(error.code)) throw error;
    return { ok: false, miss: missedWithError(url, error) };
  }
}

/** oauth4webapi's checks (200, JSON object, issuer), then RFC 8414 §3.3's exact issuer match. */
async function checkMetadata(issuer: string, issuerUrl: URL, response: Response, where: string): Promise<AuthorizationServer> {
  let metadata: AuthorizationServer;
  try {
    metadata = await processDiscoveryResponse(issuerUrl, response);
  } catch (error) {
    if (error instanceof OperationProcessingError && error.code === JSON_ATTRIBUTE_COMPARISON) {
      const body = (error.cause as { body?: { issuer?: unknown } } | undefined)?.body;
      throw mismatch(issuer, typeof body?.issuer === 'string' ? body.issuer : '?', where);
    }
    throw invalid(where, error instanceof Error ? error.message : 'unreadable');
  }
  // oauth4webapi compares normalised URLs; RFC 8414 wants the identical string (no added "/",
  // no ":443", no case change).
  if (metadata.issuer !== issuer) throw mismatch(issuer, metadata.issuer, where);
  return metadata;
}

function validateFields(metadata: AuthorizationServer, where: string, policy: UrlPolicy): void {
  const parsed = MetadataSchema.safeParse(metadata);
  if (!parsed.success) {
    throw invalid(where, describeSchemaIssue(parsed.error.issues[0]));
  }
  for (const field of ENDPOINTS) {
    const value = parsed.data[field];
    if (value === undefined) continue;
    try {
      parseSecureUrl(value, policy, field);
    } catch (error) {
      throw invalid(where, describeUrlProblem(field, value, error));
    }
  }
}

function mismatch(expected: string, got: string, where: string): LatchkeyError {
  return new LatchkeyError(
    ErrorCode.IssuerMismatch,
    `The metadata at ${truncate(where)} names the issuer "${truncate(got)}", not "${truncate(expected)}"; it was not used.`,
    {
      hint: 'The authorization server is misconfigured or impersonating another one; contact its operator.',
      details: { url: truncate(where, 200), expected: truncate(expected, 200), got: truncate(got, 200) },
    },
  );
}

function invalid(where: string, why: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.InvalidMetadata, `The authorization server metadata at ${where} is invalid: ${truncate(why.replace(/\.+$/u, ''), 200)}.`, {
    hint: 'Ask the authorization server operator to fix its metadata (RFC 8414).',
    details: { url: where },
  });
}
