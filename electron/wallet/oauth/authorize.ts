/**
 * Authorization code + PKCE through the system browser and a one-shot loopback listener
 * (protocol.md A1–A7, threats T01–T04). openid-client builds the request and performs the code
 * exchange; this module owns the order of the steps and the checks that must happen before any
 * of them: PKCE support, a validated URL, the single-use state, and the RFC 9207 `iss`.
 */
import * as client from 'openid-client';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { truncate, type UrlPolicy } from '../../../shared/url.js';
import type { ConnectProgress } from '../../../shared/connections.js';
import type { Opener } from '../../base/ports.js';
import { validateOpenUrl } from '../../base/opener/validate.js';
import type { AuthorizationServer } from './client-config.js';
import type { LoopbackListener } from './loopback.js';
import { tokenRequestError } from './token-errors.js';

export type TokenResponse = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

export interface AuthorizeInput {
  config: client.Configuration;
  listener: LoopbackListener;
  /** Canonical MCP server URL, sent as RFC 8707 `resource` unless `sendResource` is false. */
  resource: string;
  sendResource: boolean;
  scopes: string[] | undefined;
  /** OIDC `prompt` (protocol.md T8): another account on the same server signs in afresh, never on the browser's session. */
  prompt?: 'login' | 'select_account' | undefined;
  opener: Opener;
  /** browser (default): open the URL here; paste: only show it, the caller hands back the address the browser ended on (paste-callback.ts). */
  channel?: 'browser' | 'paste' | undefined;
  policy: UrlPolicy;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((event: ConnectProgress) => void) | undefined;
  /** The connection's DPoP handle when its AS advertises DPoP (dpop-key.ts): the code exchange proves its key. */
  dpop?: client.DPoPHandle | undefined;
}

/** A1: S256 must be advertised; anything else is refused before the browser is involved. */
export function assertPkceSupported(as: AuthorizationServer): void {
  const methods = as.code_challenge_methods_supported;
  if (!Array.isArray(methods) || !methods.includes('S256')) {
    throw new LatchkeyError(
      ErrorCode.PkceUnsupported,
      `The authorization server ${as.issuer} does not advertise PKCE with S256, which Latchkey requires to keep the sign-in code safe.`,
      {
        hint: 'Ask the server operator to enable PKCE (S256) and list it in code_challenge_methods_supported.',
        details: { issuer: as.issuer },
      },
    );
  }
}

/**
 * T8: the prompt that makes the AS ask which account instead of reusing the browser's session:
 * `select_account` where its metadata lists it in `prompt_values_supported`, else `login`.
 */
export function accountPrompt(as: AuthorizationServer): 'login' | 'select_account' {
  const values = as['prompt_values_supported'];
  return Array.isArray(values) && values.includes('select_account') ? 'select_account' : 'login';
}

/** Runs the whole browser flow and returns the token endpoint response. */
export async function authorizeInBrowser(input: AuthorizeInput): Promise<TokenResponse> {
  const as = input.config.serverMetadata();
  try {
    assertPkceSupported(as);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const parameters: Record<string, string> = {
      response_type: 'code',
      redirect_uri: input.listener.redirectUri,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    };
    if (input.scopes !== undefined && input.scopes.length > 0) parameters['scope'] = input.scopes.join(' ');
    if (input.sendResource) parameters['resource'] = input.resource;
    if (input.prompt !== undefined) parameters['prompt'] = input.prompt;
    const authorizationUrl = validateOpenUrl(client.buildAuthorizationUrl(input.config, parameters), input.policy);

    const waiting = input.listener.waitForCallback(state, { timeoutMs: input.timeoutMs, signal: input.signal });
    if (input.channel === 'paste') {
      const { redirectUri } = input.listener;
      input.onProgress?.({ step: 'paste', authorizationUrl: authorizationUrl.href, redirectUri, timeoutMs: input.timeoutMs });
    } else {
      input.onProgress?.({ step: 'browser', authorizationUrl: authorizationUrl.href, timeoutMs: input.timeoutMs });
      try {
        await input.opener.open(authorizationUrl);
      } catch (error) {
        // The URL was shown through onProgress: the user can still open it by hand.
        if (!(error instanceof LatchkeyError) || error.code !== ErrorCode.OpenerFailed) throw error;
      }
    }
    const callback = await waiting;

    try {
      checkAuthorizationResponse(as, callback.url);
      input.onProgress?.({ step: 'exchanging' });
      const tokens = await client
        .authorizationCodeGrant(
          input.config,
          callback.url,
          { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: false },
          input.sendResource ? { resource: input.resource } : undefined,
          input.dpop === undefined ? undefined : { DPoP: input.dpop },
        )
        .catch((error: unknown) => {
          throw tokenRequestError(as.issuer, 'exchange the sign-in code', error);
        });
      await callback.finish({ status: 200, title: 'Connected', message: 'Latchkey is connected. You can close this tab.' });
      return tokens;
    } catch (error) {
      const message = error instanceof LatchkeyError ? error.message : 'The sign-in could not be completed.';
      await callback.finish({ status: 400, title: 'Sign-in failed', message: `${message} You can close this tab.` });
      throw error;
    }
  } finally {
    await input.listener.close();
  }
}

/**
 * A4 and the error branch of the callback. `iss` (RFC 9207) is compared by simple string
 * comparison; when the AS advertises support it must be present. On an `iss` mismatch nothing the
 * response says is shown (its error_description could come from the attacker's AS).
 */
export function checkAuthorizationResponse(as: AuthorizationServer, url: URL): void {
  const iss = url.searchParams.get('iss');
  if (iss === null && as.authorization_response_iss_parameter_supported === true) {
    throw new LatchkeyError(ErrorCode.IssuerResponseMismatch, `The sign-in response did not say which server issued it, though ${as.issuer} promises to.`, {
      hint: 'This can be an attempt to mix up servers. Try again; if it repeats, do not continue.',
      details: { issuer: as.issuer },
    });
  }
  if (iss !== null && iss !== as.issuer) {
    throw new LatchkeyError(ErrorCode.IssuerResponseMismatch, `The sign-in response came from a different server than ${as.issuer}.`, {
      hint: 'This can be an attempt to mix up servers. Nothing was stored. Try again; if it repeats, do not continue.',
      details: { issuer: as.issuer },
    });
  }
  const error = url.searchParams.get('error');
  if (error !== null) {
    const description = url.searchParams.get('error_description');
    const said = description === null ? '' : ` The server said: "${truncate(description, 200)}"`;
    if (error === 'access_denied') {
      throw new LatchkeyError(ErrorCode.AccessDenied, `The sign-in was declined at ${as.issuer}.${said}`, {
        hint: 'Run the command again and approve the request in the browser.',
        details: { issuer: as.issuer, error },
      });
    }
    throw new LatchkeyError(ErrorCode.AuthorizationFailed, `The authorization server answered "${truncate(error, 60)}".${said}`, {
      // RFC 8707: a provider that rejects the resource indicator (some Entra set-ups) answers invalid_target.
      ...(error === 'invalid_target'
        ? { hint: 'This authorization server refuses the "resource" parameter. If you trust it, connect again with --no-resource (the MCP specification requires the parameter; Latchkey warns and remembers the choice for this server).' }
        : {}),
      details: { issuer: as.issuer, error: truncate(error, 60) },
    });
  }
  if (url.searchParams.get('code') === null) {
    throw new LatchkeyError(ErrorCode.AuthorizationFailed, 'The sign-in response carried no authorization code.', {
      details: { issuer: as.issuer },
    });
  }
}
