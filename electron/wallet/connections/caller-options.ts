/**
 * What a caller of `connect` in another process (the CLI talking to a daemon) brings along: its
 * own browser opener and its own --allow-insecure-loopback. Neither is dropped silently: the
 * caller opens the sign-in URL itself, and a policy wider than this wallet's is refused, never
 * applied.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { UrlPolicy } from '../../../shared/url.js';
import type { Opener } from '../../base/ports.js';
import type { ConnectOptions } from '../../../shared/api.js';

/** The opener of a connect whose caller opens the URL itself (it has it from the `browser` progress step). */
export const CALLER_OPENS: Opener = { open: async () => {} };

/** Refuses a caller that allows insecure loopback URLs when this wallet does not. */
export function assertPolicyCovers(options: Pick<ConnectOptions, 'allowInsecureLoopback'>, policy: UrlPolicy): void {
  if (options.allowInsecureLoopback !== true || policy.allowInsecureLoopback) return;
  throw new LatchkeyError(ErrorCode.DaemonRefusesInsecureLoopback, 'The running Latchkey daemon does not allow http:// on loopback, so --allow-insecure-loopback cannot apply to it.', {
    hint: 'Restart the daemon with --allow-insecure-loopback (or LATCHKEY_ALLOW_INSECURE_LOOPBACK=1), or stop it so the command opens the vault itself.',
  });
}
