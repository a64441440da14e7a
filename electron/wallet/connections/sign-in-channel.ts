/**
 * How one sign-in of a connection happens, from what this connect asks for and what the
 * connection kept: RFC 8707 `resource` sent or not, a fixed loopback port or an ephemeral one,
 * and the channel (the browser here or the caller's, a pasted redirect, the device grant).
 */
import type * as client from 'openid-client';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { UrlPolicy } from '../../../shared/url.js';
import type { ConnectOptions } from '../../../shared/api.js';
import type { Clock, Opener } from '../../base/ports.js';
import { authorizeInBrowser, type TokenResponse } from '../oauth/authorize.js';
import type { buildClientConfiguration } from '../oauth/client-config.js';
import { authorizeOnDevice } from '../oauth/device.js';
import type { LoopbackListener } from '../oauth/loopback.js';
import type { ClientRecord, ConnectionRecord } from '../oauth/records.js';
import { CALLER_OPENS } from './caller-options.js';

export interface SignInChannel {
  sendResource: boolean;
  /** Bind exactly 127.0.0.1:<port>; undefined: an ephemeral port. */
  callbackPort: number | undefined;
  /** The channel kept with the connection for its next explicit connect. */
  signIn: ConnectionRecord['signIn'];
}

/** What this connect asks for, else what the connection kept. `callbackPort: 0` and `signIn: 'browser'` undo a kept one. */
export function channelFor(previous: ConnectionRecord | undefined, options: ConnectOptions): SignInChannel {
  const port = options.callbackPort ?? previous?.callbackPort;
  const signIn = options.signIn === 'browser' ? undefined : (options.signIn ?? previous?.signIn);
  return { sendResource: options.sendResource ?? previous?.sendResource ?? true, callbackPort: port === 0 ? undefined : port, signIn };
}

/** `--reregister`: Latchkey's own registration is forgotten (replaced once the new one is made); a client the user registered never is. */
export function forgetRegistration(stored: ClientRecord | undefined): undefined {
  if (stored?.registration === 'pre-registered') {
    throw new LatchkeyError(ErrorCode.ClientPreRegistered, `The client for ${stored.issuer} was registered by you, so Latchkey does not replace it.`, {
      hint: `To change it, run: latchkey client add ${stored.issuer} --client-id <id> (or latchkey client remove ${stored.issuer} to let Latchkey register itself).`,
      details: { issuer: stored.issuer },
    });
  }
  return undefined;
}

export interface SignInInput {
  config: ReturnType<typeof buildClientConfiguration>;
  /** None for the device grant. */
  listener: LoopbackListener | undefined;
  resource: string;
  sendResource: boolean;
  scopes: string[] | undefined;
  /** OIDC `prompt` for a browser sign-in (another account on the same server, T8); absent: none sent. */
  prompt?: 'login' | 'select_account' | undefined;
  options: ConnectOptions;
  opener: Opener;
  policy: UrlPolicy;
  clock: Clock;
  timeoutMs: number;
  /** The connection's DPoP handle (oauth/dpop-key.ts) when its AS advertises DPoP. */
  dpop?: client.DPoPHandle | undefined;
}

/** The sign-in itself: the device grant, or the browser (opened here, by the caller, or pasted back). */
export function signIn(input: SignInInput): Promise<TokenResponse> {
  const { options } = input;
  const common = {
    config: input.config,
    resource: input.resource,
    sendResource: input.sendResource,
    scopes: input.scopes,
    policy: input.policy,
    timeoutMs: input.timeoutMs,
    signal: options.signal,
    onProgress: options.onProgress,
    dpop: input.dpop,
  };
  if (input.listener === undefined) return authorizeOnDevice({ ...common, clock: input.clock });
  return authorizeInBrowser({
    ...common,
    listener: input.listener,
    prompt: input.prompt,
    channel: options.signIn === 'paste' ? 'paste' : 'browser',
    opener: options.openBrowser === false || options.signIn === 'paste' ? CALLER_OPENS : input.opener,
  });
}
