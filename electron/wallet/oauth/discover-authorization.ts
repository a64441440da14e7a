/**
 * Discovery from an MCP server URL to its authorization server's metadata, under one deadline
 * (protocol.md P1–P3, P5, P6): the probe (unless the caller already holds a challenge), the
 * protected resource metadata, then the authorization server it names. A server that challenged
 * but publishes no resource metadata gets the 2025-03-26 discovery (legacy-endpoints.ts); one
 * that answered without a token and publishes none has nothing to connect to
 * (ResourceNotProtected).
 */
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import type { BearerChallenge } from '../../../shared/www-authenticate.js';
import { startDiscoveryDeadline } from './deadline.js';
import { discoverIssuer, type AuthorizationServer } from './discover-issuer.js';
import { chooseAuthorizationServer, discoverResource, type DiscoveryDeps, type ResourceDiscovery } from './discover-resource.js';
import { discoverLegacyAuthorizationServer, type LegacyDiscovery } from './legacy-endpoints.js';
import { probeResource, type ProbeResult } from './probe.js';

export interface AuthorizationDiscoveryInput {
  /** The MCP server URL (already through the URL policy). */
  serverUrl: URL;
  /** Its canonical resource. */
  resource: string;
  /** The Bearer challenge of a 401 the caller already has; without one the server is probed. */
  challenge?: BearerChallenge | undefined;
  /** The issuer this connection used before, preferred while still listed. */
  rememberedIssuer?: string | undefined;
  /** The whole discovery's budget (default DEFAULT_DISCOVERY_TIMEOUT_MS). */
  timeoutMs?: number | undefined;
  /** The caller's cancel. */
  signal?: AbortSignal | undefined;
}

export interface AuthorizationDiscovery {
  /** The probe's verdict, when this call probed. */
  probe: ProbeResult | undefined;
  /** The challenge the sign-in answers (the caller's, or the probe's 401). */
  challenge: BearerChallenge | undefined;
  /** RFC 9728 metadata; absent when the 2025-03-26 discovery was used. */
  resourceMetadata: ResourceDiscovery | undefined;
  as: AuthorizationServer;
  /** Set when the authorization server was found the 2025-03-26 way. */
  legacy: LegacyDiscovery | undefined;
}

export async function discoverAuthorization(input: AuthorizationDiscoveryInput, deps: DiscoveryDeps): Promise<AuthorizationDiscovery> {
  return withinDeadline(input, deps, async (timed) => {
    let probe: ProbeResult | undefined;
    let { challenge } = input;
    if (challenge === undefined) {
      probe = await probeResource(input.serverUrl, timed);
      if (probe.kind === 'challenge') challenge = probe.challenge;
    }
    return discoverFrom(input, challenge, probe, timed);
  });
}

/** A server that answered the probe without a token: nothing more was asked of it. */
export interface OpenServer {
  kind: 'open';
  probe: Extract<ProbeResult, { kind: 'open' }>;
}

/**
 * As discoverAuthorization, except that a server answering the probe without a token ends it
 * there (protocol.md T9): its metadata and authorization server are not asked for until its first
 * 401 names them.
 */
export async function discoverUnlessOpen(input: AuthorizationDiscoveryInput, deps: DiscoveryDeps): Promise<OpenServer | ({ kind: 'protected' } & AuthorizationDiscovery)> {
  return withinDeadline(input, deps, async (timed) => {
    if (input.challenge !== undefined) return { kind: 'protected', ...(await discoverFrom(input, input.challenge, undefined, timed)) };
    const probe = await probeResource(input.serverUrl, timed);
    if (probe.kind === 'open') return { kind: 'open', probe };
    return { kind: 'protected', ...(await discoverFrom(input, probe.challenge, probe, timed)) };
  });
}

async function withinDeadline<T>(input: AuthorizationDiscoveryInput, deps: DiscoveryDeps, run: (timed: DiscoveryDeps) => Promise<T>): Promise<T> {
  const deadline = startDiscoveryDeadline(input.resource, input.timeoutMs, input.signal);
  try {
    return await run({ ...deps, signal: deadline.signal });
  } finally {
    deadline.clear();
  }
}

async function discoverFrom(
  input: AuthorizationDiscoveryInput,
  challenge: BearerChallenge | undefined,
  probe: ProbeResult | undefined,
  timed: DiscoveryDeps,
): Promise<AuthorizationDiscovery> {
  let resourceMetadata: ResourceDiscovery | undefined;
  try {
    resourceMetadata = await discoverResource(input.resource, challenge, timed);
  } catch (error) {
    if (!isLatchkeyError(error, ErrorCode.ResourceMetadataNotFound)) throw error;
    if (challenge === undefined) throw notProtected(input.resource);
    const legacy = await discoverLegacyAuthorizationServer(input.serverUrl, timed);
    return { probe, challenge, resourceMetadata: undefined, as: legacy.as, legacy: legacy.legacy };
  }
  const issuer = chooseAuthorizationServer(resourceMetadata.metadata.authorization_servers, input.rememberedIssuer);
  const as = await discoverIssuer(issuer, timed);
  return { probe, challenge, resourceMetadata, as, legacy: undefined };
}

function notProtected(resource: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.ResourceNotProtected, `${resource} answered without asking for a sign-in and publishes no OAuth metadata, so there is nothing to connect.`, {
    hint: 'Agents can use this server directly. If it should be protected, check the URL.',
    details: { resource },
  });
}
