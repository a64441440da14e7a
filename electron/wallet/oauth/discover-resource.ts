/**
 * Protected resource discovery (protocol.md P1–P2, RFC 9728). Every request goes through the
 * caller's fetch, which in production is the SSRF-guarded one (P4): the URLs come from servers,
 * with the caller's discovery deadline (P6) as its signal. The unauthenticated probe that comes
 * first is probe.ts.
 *
 * P1 order: the challenge's `resource_metadata` URL, then the path-aware well-known URL, then the
 * root one. "Not there" (a non-2xx status, unreachable, a timeout, a refused redirect) moves on to
 * the next URL; a document that is there but wrong (invalid JSON, invalid fields, another
 * resource, no authorization server), a security refusal (blocked address, plain http) and the
 * discovery deadline stop discovery with their own error. When every URL missed, a refused
 * redirect or a timeout among them is named by its own code (discovery-misses.ts); only "not
 * published anywhere" is ResourceMetadataNotFound.
 *
 * P2 resource check, on canonical forms (shared/url.ts): the document's `resource` must be the MCP
 * server's resource. For the root well-known URL the resource identifier that URL stands for is
 * the origin, so the origin is accepted there (RFC 9728 §3.3); it is also accepted for a document
 * the server named in its challenge (what the MCP TypeScript SDK accepts). Never another origin.
 */
import { z } from 'zod';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, parseSecureUrl, truncate, type UrlPolicy } from '../../../shared/url.js';
import type { Fetch, Logger } from '../../base/ports.js';
import { describeSchemaIssue } from './metadata-problems.js';
import type { BearerChallenge } from '../../../shared/www-authenticate.js';
import { missedWithError, missedWithStatus, nothingFound, describeMisses, type Miss } from './discovery-misses.js';

export interface DiscoveryDeps {
  fetch: Fetch;
  policy: UrlPolicy;
  logger?: Logger;
  /** The discovery deadline (deadline.ts) or the caller's cancel: passed to every fetch. */
  signal?: AbortSignal | undefined;
}

export interface ProtectedResourceMetadata {
  resource: string;
  /** Only the entries that pass the URL policy, in the server's order; never empty. */
  authorization_servers: string[];
  scopes_supported?: string[];
  [field: string]: unknown;
}

export interface ResourceDiscovery {
  /** Where the metadata was found. */
  url: string;
  /** The canonical resource the metadata names (the MCP server URL, or its origin; see above). */
  resource: string;
  metadata: ProtectedResourceMetadata;
}

const PrmSchema = z.looseObject({
  resource: z.string().min(1),
  authorization_servers: z.array(z.string()).optional(),
  scopes_supported: z.array(z.string()).optional(),
});

/** Errors that end discovery at once: the server is hostile or misconfigured, or time is up. */
const HARD_FETCH_ERRORS = new Set<string>([
  ErrorCode.BlockedAddress,
  ErrorCode.InsecureUrl,
  ErrorCode.TlsVerificationDisabled,
  ErrorCode.ResponseTooLarge,
  ErrorCode.DiscoveryTimeout,
]);

type CandidateKind = 'challenge' | 'path' | 'root';

interface Candidate {
  kind: CandidateKind;
  url: string;
}

/** P1 + P2: finds, validates and returns the protected resource metadata of `resource`. */
export async function discoverResource(resource: string, challenge: BearerChallenge | undefined, deps: DiscoveryDeps): Promise<ResourceDiscovery> {
  const expected = canonicalResource(resource, deps.policy);
  const misses: Miss[] = [];
  for (const candidate of candidatesFor(expected, challenge)) {
    const outcome = await tryCandidate(candidate, expected, deps);
    if (outcome.found) return outcome.discovery;
    misses.push(outcome.miss);
    deps.logger?.debug('discovery: no protected resource metadata here', { url: candidate.url, why: outcome.miss.why });
  }
  throw nothingFound(
    `OAuth protected resource metadata for ${expected}`,
    misses,
    () =>
      new LatchkeyError(ErrorCode.ResourceMetadataNotFound, `Found no OAuth protected resource metadata for ${expected} (tried ${describeMisses(misses)}).`, {
        hint: 'The server does not say which authorization server to use. Check the URL, or ask its operator to publish RFC 9728 metadata.',
        details: { resource: expected, tried: misses.length },
      }),
  );
}

/** Several authorization servers: the one used before if still listed, else the first listed. */
export function chooseAuthorizationServer(list: readonly string[], remembered?: string): string {
  if (remembered !== undefined && list.includes(remembered)) return remembered;
  const first = list[0];
  if (first === undefined) {
    throw new LatchkeyError(ErrorCode.NoAuthorizationServer, 'The server names no authorization server.', {
      hint: 'Ask the server operator to list authorization_servers in its protected resource metadata.',
    });
  }
  return first;
}

/** The P1 URLs for a canonical resource, in order, without duplicates. */
export function candidatesFor(resource: string, challenge: BearerChallenge | undefined): Candidate[] {
  const url = new URL(resource);
  const out: Candidate[] = [];
  if (challenge?.resourceMetadata !== undefined) out.push({ kind: 'challenge', url: challenge.resourceMetadata });
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' || url.search !== '') {
    out.push({ kind: 'path', url: `${url.origin}/.well-known/oauth-protected-resource${path}${url.search}` });
  }
  out.push({ kind: 'root', url: `${url.origin}/.well-known/oauth-protected-resource` });
  return out.filter((c, i) => out.findIndex((o) => o.url === c.url) === i);
}

type Outcome = { found: true; discovery: ResourceDiscovery } | { found: false; miss: Miss };

async function tryCandidate(candidate: Candidate, expected: string, deps: DiscoveryDeps): Promise<Outcome> {
  let target: URL;
  try {
    target = parseSecureUrl(candidate.url, deps.policy, 'resource metadata URL');
  } catch (error) {
    if (isLatchkeyError(error, ErrorCode.InvalidUrl)) return { found: false, miss: { url: candidate.url, why: 'not a valid URL' } };
    throw error;
  }
  let response: Response;
  let text: string;
  try {
    response = await deps.fetch(target, { headers: { accept: 'application/json' }, ...(deps.signal === undefined ? {} : { signal: deps.signal }) });
    if (response.status < 200 || response.status >= 300) {
      await discardBody(response);
      return { found: false, miss: missedWithStatus(candidate.url, response.status) };
    }
    text = await response.text();
  } catch (error) {
    if (!isLatchkeyError(error) || HARD_FETCH_ERRORS.has(error.code)) throw error;
    return { found: false, miss: missedWithError(candidate.url, error) };
  }
  const metadata = parseMetadata(text, describe(target), deps);
  const named = checkResource(metadata.resource, expected, candidate.kind, describe(target), deps.policy);
  return { found: true, discovery: { url: target.href, resource: named, metadata } };
}

function parseMetadata(text: string, where: string, deps: DiscoveryDeps): ProtectedResourceMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid(where, 'it is not valid JSON');
  }
  const parsed = PrmSchema.safeParse(json);
  if (!parsed.success) {
    throw invalid(where, describeSchemaIssue(parsed.error.issues[0]));
  }
  const listed = parsed.data.authorization_servers ?? [];
  const usable = listed.filter((issuer) => {
    try {
      parseSecureUrl(issuer, deps.policy, 'authorization server');
      return true;
    } catch {
      deps.logger?.warn('discovery: ignoring an unusable authorization server', { where, issuer: truncate(issuer, 200) });
      return false;
    }
  });
  if (usable.length === 0) {
    throw new LatchkeyError(
      ErrorCode.NoAuthorizationServer,
      listed.length === 0
        ? `The protected resource metadata at ${where} lists no authorization_servers.`
        : `The protected resource metadata at ${where} lists no usable authorization server (each must be an https URL).`,
      { hint: 'Ask the server operator to fix its protected resource metadata.', details: { url: where } },
    );
  }
  return { ...parsed.data, authorization_servers: usable };
}

function checkResource(named: string, expected: string, kind: CandidateKind, where: string, policy: UrlPolicy): string {
  let canonical: string | undefined;
  try {
    canonical = canonicalResource(named, policy);
  } catch {
    canonical = undefined;
  }
  const origin = new URL(expected).origin;
  const accepted = kind === 'path' ? [expected] : [expected, canonicalResource(origin, policy)];
  if (canonical !== undefined && accepted.includes(canonical)) return canonical;
  throw new LatchkeyError(
    ErrorCode.ResourceMismatch,
    `The protected resource metadata at ${where} is for "${truncate(named)}", not for ${expected}; it was not used.`,
    {
      hint: 'The server may be misconfigured or impersonating another one. Check the URL with its operator.',
      details: { url: where, expected, named: truncate(named, 200) },
    },
  );
}

function invalid(where: string, why: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.InvalidMetadata, `The protected resource metadata at ${where} is invalid: ${truncate(why.replace(/\.+$/u, ''), 200)}.`, {
    hint: 'Ask the server operator to fix its protected resource metadata (RFC 9728).',
    details: { url: where },
  });
}

async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function describe(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
