/**
 * Client registration per authorization server, keyed by its `issuer` (protocol.md R1–R4):
 *   a client the user pre-registered for this issuer
 *   → a registration Latchkey made earlier with this very issuer
 *   → a Client ID Metadata Document, when the AS supports it and the user hosts one
 *   → Dynamic Client Registration, when the AS has a registration endpoint
 *   → a clear error asking the user for a client id.
 * Credentials are never reused across issuers: the store is keyed by the exact issuer string.
 */
import * as oauth from 'oauth4webapi';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { isLoopbackHost, truncate } from '../../../shared/url.js';
import type { Clock } from '../../base/ports.js';
import type { ClientRecord } from './records.js';
import type { AuthorizationServer, NetworkContext } from './client-config.js';
import { CALLBACK_PATH } from './loopback.js';
import { TOKEN_EXCHANGE_GRANT, offersTokenExchange } from './token-exchange.js';

export const CLIENT_NAME = 'Latchkey';
/** RFC 8628 §3.4. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const BASE_GRANT_TYPES: readonly string[] = ['authorization_code', 'refresh_token'];

export interface RegisterClientInput {
  as: AuthorizationServer;
  /** What the store has for this issuer (pre-registered or an earlier registration). */
  stored: ClientRecord | undefined;
  /** The user's Client ID Metadata Document URL, if they host one. */
  clientMetadataUrl: string | undefined;
  /** The port of this flow's loopback listener (DCR registers it next to the portless URI); none for a device sign-in. */
  loopbackPort: number | undefined;
  /** The port is fixed (`--callback-port`): a stored DCR registration must name exactly that redirect URI. */
  exactPort?: boolean | undefined;
  /** This sign-in uses the device authorization grant (RFC 8628): a DCR registration must include it. */
  deviceFlow?: boolean | undefined;
  net: NetworkContext;
  clock: Clock;
}

export interface Registration {
  record: ClientRecord;
  /** True when the record is new and must be stored. */
  created: boolean;
}

export async function registerClient(input: RegisterClientInput): Promise<Registration> {
  const { as, stored } = input;
  if (stored !== undefined && stored.issuer === as.issuer) {
    // A CIMD record follows the configuration: if the user changed the URL, use the new one.
    if (stored.registration !== 'cimd' || stored.clientId === input.clientMetadataUrl) {
      if (stored.registration === 'dcr') assertRegistrationFits(stored, input);
      return { record: stored, created: false };
    }
  }
  if (as.client_id_metadata_document_supported === true && input.clientMetadataUrl !== undefined) {
    return { record: useClientMetadataDocument(as.issuer, input.clientMetadataUrl, input.clock), created: true };
  }
  if (typeof as.registration_endpoint === 'string') {
    return { record: await registerDynamically(input), created: true };
  }
  throw new LatchkeyError(ErrorCode.ClientIdRequired, `The authorization server ${as.issuer} needs a client id for Latchkey.`, {
    hint: `Register Latchkey with that server (redirect URI http://127.0.0.1/callback, public client), then run: latchkey client add ${as.issuer} --client-id <id>`,
    details: { issuer: as.issuer },
  });
}

/**
 * A registration made for an ephemeral port without the device grant cannot serve a sign-in that
 * needs either. Registering again is the owner's call (`--reregister`): it replaces the client for
 * every connection through this authorization server, whose saved sign-ins then end.
 */
function assertRegistrationFits(stored: ClientRecord, input: RegisterClientInput): void {
  const redirectUri = loopbackRedirectUri(input.loopbackPort ?? 0);
  if (input.exactPort === true && input.loopbackPort !== undefined && !stored.redirectUris.includes(redirectUri)) {
    throw new LatchkeyError(ErrorCode.RegistrationOutdated, `Latchkey's registration with ${stored.issuer} does not name the redirect URI ${redirectUri}.`, {
      hint: 'Add --reregister to register again with that port (other connections through this server will need to sign in again).',
      details: { issuer: stored.issuer, port: input.loopbackPort },
    });
  }
  if (input.deviceFlow === true && !(stored.grantTypes ?? []).includes(DEVICE_CODE_GRANT)) {
    throw new LatchkeyError(ErrorCode.RegistrationOutdated, `Latchkey's registration with ${stored.issuer} was made without the device sign-in grant.`, {
      hint: 'Add --reregister to register again with it (other connections through this server will need to sign in again).',
      details: { issuer: stored.issuer },
    });
  }
}

export function loopbackRedirectUri(port: number): string {
  return `http://127.0.0.1:${port}${CALLBACK_PATH}`;
}

/** R2: the client id is the https URL of a document the user hosts; no secret, ever. */
export function useClientMetadataDocument(issuer: string, documentUrl: string, clock: Clock): ClientRecord {
  assertClientMetadataUrl(documentUrl);
  return {
    issuer,
    clientId: documentUrl,
    tokenEndpointAuthMethod: 'none',
    registration: 'cimd',
    redirectUris: [`http://127.0.0.1${CALLBACK_PATH}`],
    registeredAt: clock.now(),
  };
}

export function assertClientMetadataUrl(documentUrl: string): void {
  let url: URL;
  try {
    url = new URL(documentUrl);
  } catch {
    throw new LatchkeyError(ErrorCode.InvalidUrl, 'The client metadata document URL is not a valid URL.');
  }
  if (url.protocol !== 'https:' || url.pathname === '/' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new LatchkeyError(ErrorCode.InvalidUrl, 'A client metadata document URL must be https, with a path, and without a fragment or credentials.', {
      hint: 'Example: https://you.example.com/latchkey/client.json',
    });
  }
}

/** The client metadata Latchkey sends with DCR and publishes in a CIMD (R2, R3). */
export function nativeClientMetadata(redirectUris: string[], grantTypes: readonly string[] = BASE_GRANT_TYPES): Partial<oauth.OmitSymbolProperties<oauth.Client>> {
  return {
    client_name: CLIENT_NAME,
    application_type: 'native',
    redirect_uris: redirectUris,
    grant_types: [...grantTypes],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    software_id: 'dev.latchkey.wallet',
  };
}

async function registerDynamically(input: RegisterClientInput): Promise<ClientRecord> {
  const { as, net } = input;
  const redirectUris = [`http://127.0.0.1${CALLBACK_PATH}`, ...(input.loopbackPort === undefined ? [] : [loopbackRedirectUri(input.loopbackPort)])];
  // Token exchange too where the server offers it: delegated sessions' tokens are then exchanged ones (protocol.md T5).
  const grantTypes = [...BASE_GRANT_TYPES, ...(input.deviceFlow === true ? [DEVICE_CODE_GRANT] : []), ...(offersTokenExchange(as) ? [TOKEN_EXCHANGE_GRANT] : [])];
  let registered: oauth.OmitSymbolProperties<oauth.Client>;
  try {
    const response = await oauth.dynamicClientRegistrationRequest(as, nativeClientMetadata(redirectUris, grantTypes), {
      [oauth.customFetch]: (url, options) => net.fetch(url, options as RequestInit),
      [oauth.allowInsecureRequests]: net.policy.allowInsecureLoopback && isLoopbackHost(new URL(as.issuer).hostname),
      signal: AbortSignal.timeout(30_000),
    });
    registered = await oauth.processDynamicClientRegistrationResponse(await tolerateMissingSecretExpiry(response));
  } catch (error) {
    throw registrationError(as.issuer, error);
  }
  const secret = typeof registered.client_secret === 'string' ? registered.client_secret : undefined;
  const method = registered.token_endpoint_auth_method;
  return {
    issuer: as.issuer,
    clientId: registered.client_id,
    ...(secret === undefined ? {} : { clientSecret: secret }),
    tokenEndpointAuthMethod:
      method === 'client_secret_basic' || method === 'client_secret_post' ? method : secret === undefined ? 'none' : 'client_secret_basic',
    registration: 'dcr',
    redirectUris: Array.isArray(registered.redirect_uris) ? registered.redirect_uris.filter((u): u is string => typeof u === 'string') : redirectUris,
    ...(input.loopbackPort === undefined ? {} : { preferredPort: input.loopbackPort }),
    grantTypes: Array.isArray(registered.grant_types) ? registered.grant_types.filter((g): g is string => typeof g === 'string') : [...grantTypes],
    registeredAt: input.clock.now(),
  };
}

/**
 * RFC 7591 requires `client_secret_expires_at` with every `client_secret`, but some servers leave
 * it out. oauth4webapi rightly refuses that; we read the omission as "does not expire" (0), the
 * value the RFC gives for that meaning, rather than failing the whole connection.
 */
async function tolerateMissingSecretExpiry(response: Response): Promise<Response> {
  if (response.status !== 201 && response.status !== 200) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, response);
  }
  if (typeof body === 'object' && body !== null && 'client_secret' in body && !('client_secret_expires_at' in body)) {
    return new Response(JSON.stringify({ ...body, client_secret_expires_at: 0 }), response);
  }
  return new Response(text, response);
}

/** An agent's own client (R5) to register: the public half of its key, its name, the scopes it may ask for. */
export interface AgentClientRegistration {
  clientName: string;
  /** The public JWK only: the private key never leaves the vault. */
  publicJwk: Record<string, unknown>;
  scopes: readonly string[];
}

/**
 * Registers an agent's own client by DCR (RFC 7591): the client credentials grant only, no
 * redirect URI, `private_key_jwt` with the public key in `jwks`. Resolves with the client id the
 * server assigned. Without a registration endpoint the administrator registers the client instead.
 */
export async function registerAgentClient(as: AuthorizationServer, agent: AgentClientRegistration, net: NetworkContext): Promise<string> {
  if (typeof as.registration_endpoint !== 'string') {
    throw new LatchkeyError(ErrorCode.AgentRegistrationUnavailable, `The authorization server ${as.issuer} does not offer dynamic client registration.`, {
      hint: 'Ask its administrator for a client id, then run `latchkey agent add <name> --autonomous --server URL --client-id ID --key` and hand them the public key it prints.',
      details: { issuer: as.issuer },
    });
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, ...publicJwk } = agent.publicJwk;
  const metadata: Partial<oauth.OmitSymbolProperties<oauth.Client>> = {
    client_name: agent.clientName,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [publicJwk as oauth.JsonObject] },
    ...(agent.scopes.length === 0 ? {} : { scope: agent.scopes.join(' ') }),
    software_id: 'dev.latchkey.wallet',
  };
  try {
    const response = await oauth.dynamicClientRegistrationRequest(as, metadata, {
      [oauth.customFetch]: (url, options) => net.fetch(url, options as RequestInit),
      [oauth.allowInsecureRequests]: net.policy.allowInsecureLoopback && isLoopbackHost(new URL(as.issuer).hostname),
      signal: AbortSignal.timeout(30_000),
    });
    const registered = await oauth.processDynamicClientRegistrationResponse(await tolerateMissingSecretExpiry(response));
    return registered.client_id;
  } catch (error) {
    throw registrationError(as.issuer, error, "Register the agent's client by hand and use `latchkey agent add --autonomous --client-id ID --key`.");
  }
}

function registrationError(issuer: string, error: unknown, byHand = 'Register a client by hand and use `latchkey client add`.'): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const description = typeof error.error_description === 'string' ? `: ${truncate(error.error_description, 200)}` : '';
    const hint =
      error.error === 'invalid_redirect_uri'
        ? `The server does not accept loopback redirect URIs for native apps (RFC 8252). ${byHand}`
        : error.error === 'invalid_client_metadata'
          ? `The server refused the client metadata. ${byHand}`
          : byHand;
    return new LatchkeyError(ErrorCode.RegistrationRejected, `${issuer} refused to register Latchkey (${error.error}${description}).`, {
      hint,
      details: { issuer, error: error.error, status: error.status },
      cause: error,
    });
  }
  const reason = error instanceof Error ? truncate(error.message, 200) : undefined;
  return new LatchkeyError(ErrorCode.RegistrationRejected, `Registering Latchkey with ${issuer} failed${reason === undefined ? '' : ` (${reason})`}.`, {
    hint: `Check the server is reachable. Or: ${byHand}`,
    details: { issuer, reason },
    cause: error,
  });
}
