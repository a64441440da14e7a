/**
 * Sign-in without a browser on this machine: the OAuth device authorization grant (RFC 8628), for
 * SSH sessions and headless hosts. The user enters a short code on any device; we poll the token
 * endpoint at the server's pace. openid-client performs the requests (`interval`, `slow_down`
 * +5 s, 503 Retry-After); this module owns what it does not: a floor on the interval, one deadline
 * (the code's expiry or our timeout, the earlier), cancellation, and errors with stable codes.
 */
import * as client from 'openid-client';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { truncate, type UrlPolicy } from '../../../shared/url.js';
import type { ConnectProgress } from '../../../shared/connections.js';
import type { Clock } from '../../base/ports.js';
import { validateOpenUrl } from '../../base/opener/validate.js';
import type { TokenResponse } from './authorize.js';
import { oauthErrorCode, tokenRequestError } from './token-errors.js';

/** RFC 8628 §3.2: without `interval` the client waits 5 s between polls. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
/** A server that asks for less (or 0) still gets a second between polls; one asking for more than a minute is capped. */
const MIN_POLL_INTERVAL_SECONDS = 1;
const MAX_POLL_INTERVAL_SECONDS = 60;

export interface DeviceAuthorizeInput {
  config: client.Configuration;
  /** Canonical MCP server URL, sent as RFC 8707 `resource` unless `sendResource` is false. */
  resource: string;
  sendResource: boolean;
  scopes: string[] | undefined;
  policy: UrlPolicy;
  clock: Clock;
  /** Our own limit; the code's `expires_in` ends the wait earlier when it is shorter. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((event: ConnectProgress) => void) | undefined;
  /** The connection's DPoP handle when its AS advertises DPoP: the polling token requests prove its key. */
  dpop?: client.DPoPHandle | undefined;
}

/** True when the authorization server offers the device grant (RFC 8628 §4). */
export function supportsDeviceFlow(as: client.ServerMetadata): boolean {
  return typeof as.device_authorization_endpoint === 'string';
}

export async function authorizeOnDevice(input: DeviceAuthorizeInput): Promise<TokenResponse> {
  const as = input.config.serverMetadata();
  if (!supportsDeviceFlow(as)) {
    throw new LatchkeyError(ErrorCode.DeviceFlowUnavailable, `The authorization server ${as.issuer} does not offer device sign-in (no device_authorization_endpoint).`, {
      hint: 'Use --paste instead: open the sign-in URL in any browser and paste back the address it ends on.',
      details: { issuer: as.issuer },
    });
  }
  const resource: Record<string, string> = input.sendResource ? { resource: input.resource } : {};
  const parameters: Record<string, string> = { ...resource };
  if (input.scopes !== undefined && input.scopes.length > 0) parameters['scope'] = input.scopes.join(' ');
  const started = await client.initiateDeviceAuthorization(input.config, parameters).catch((error: unknown) => {
    throw startError(as.issuer, error);
  });
  const response = { ...started, interval: pollInterval(started.interval) };
  const limitMs = Math.min(input.timeoutMs, started.expires_in * 1000);
  input.onProgress?.({
    step: 'device',
    verificationUri: validateOpenUrl(started.verification_uri, input.policy).href,
    ...verificationUriComplete(started.verification_uri_complete, input.policy),
    userCode: printableCode(started.user_code),
    expiresAt: input.clock.now() + limitMs,
    intervalSeconds: response.interval,
  });

  const deadline = AbortSignal.timeout(limitMs);
  const signal = input.signal === undefined ? deadline : AbortSignal.any([input.signal, deadline]);
  try {
    return await client.pollDeviceAuthorizationGrant(input.config, response, resource, { signal, ...(input.dpop === undefined ? {} : { DPoP: input.dpop }) });
  } catch (error) {
    if (input.signal?.aborted === true) throw new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The device sign-in was cancelled.');
    if (deadline.aborted || oauthErrorCode(error) === 'expired_token') {
      throw new LatchkeyError(ErrorCode.AuthorizationTimeout, `The device sign-in was not completed within ${Math.round(limitMs / 1000)} s.`, {
        hint: 'Run the command again and enter the new code promptly, or raise --timeout.',
        details: { issuer: as.issuer },
      });
    }
    if (oauthErrorCode(error) === 'access_denied') {
      throw new LatchkeyError(ErrorCode.AccessDenied, `The device sign-in was declined at ${as.issuer}.`, {
        hint: 'Run the command again and approve the request.',
        details: { issuer: as.issuer },
      });
    }
    throw tokenRequestError(as.issuer, 'complete the device sign-in', error);
  }
}

export function pollInterval(interval: number | undefined): number {
  if (interval === undefined || !Number.isFinite(interval)) return DEFAULT_POLL_INTERVAL_SECONDS;
  return Math.min(MAX_POLL_INTERVAL_SECONDS, Math.max(MIN_POLL_INTERVAL_SECONDS, Math.ceil(interval)));
}

function verificationUriComplete(value: string | undefined, policy: UrlPolicy): { verificationUriComplete?: string } {
  if (value === undefined) return {};
  try {
    return { verificationUriComplete: validateOpenUrl(value, policy).href };
  } catch {
    return {}; // optional (RFC 8628 §3.3): a doubtful one is left out, the plain URI and code still work
  }
}

/** The code is typed by a person: printable ASCII only, short. */
function printableCode(code: string): string {
  const printable = code.replace(/[^\x21-\x7e]/gu, '');
  if (printable === '' || printable.length > 64) {
    throw new LatchkeyError(ErrorCode.BadResponse, 'The authorization server sent an unusable device sign-in code.');
  }
  return printable;
}

function startError(issuer: string, error: unknown): LatchkeyError {
  const code = oauthErrorCode(error);
  if (code === 'unauthorized_client' || code === 'invalid_client' || code === 'unsupported_grant_type') {
    return new LatchkeyError(ErrorCode.DeviceFlowUnavailable, `${issuer} does not let this client use device sign-in (${truncate(code, 60)}).`, {
      hint: 'If Latchkey registered itself with this server, add --reregister; for a client you registered by hand, allow the device_code grant there. Or use --paste.',
      details: { issuer, error: code },
      cause: error,
    });
  }
  return tokenRequestError(issuer, 'start the device sign-in', error);
}
