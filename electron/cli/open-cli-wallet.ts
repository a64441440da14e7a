/**
 * The wallet the `latchkey` owner commands use: the running daemon's, when one answers on the
 * owner socket (it owns the vault, the bridge and the pending approvals), otherwise a wallet
 * opened in this process. Owner commands refuse to run inside an agent session: an agent that
 * can run `latchkey approve` would approve its own requests.
 */
import { ENV_AGENT_SECRET, ENV_SESSION_SECRET } from '../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import { defaultRuntimeDir } from '../base/runtime/discovery.js';
import { openWallet, type WalletPorts } from '../wallet/wallet.js';
import type { Wallet, WalletConfig } from '../wallet/wallet-api.js';
import { findOwnerEndpoint, openRemoteWallet } from '../wallet/host/owner-client.js';

export async function openCliWallet(config: WalletConfig, ports: Partial<WalletPorts> = {}): Promise<Wallet> {
  const env = ports.env ?? process.env;
  if ((env[ENV_SESSION_SECRET] ?? '') !== '' || (env[ENV_AGENT_SECRET] ?? '') !== '') {
    throw new LatchkeyError(ErrorCode.Unauthenticated, 'Owner commands cannot run inside an agent session.', {
      hint: 'Run this from your own terminal, not from a process started by `latchkey run`.',
    });
  }
  const endpoint = await findOwnerEndpoint(defaultRuntimeDir({ ...env, LATCHKEY_HOME: config.home }));
  // The daemon's wallet, with the caller's own opener (their BROWSER) and --allow-insecure-loopback (refused if the daemon lacks it).
  if (endpoint !== undefined) {
    return openRemoteWallet(endpoint, { ...(ports.opener === undefined ? {} : { opener: ports.opener }), allowInsecureLoopback: config.allowInsecureLoopback });
  }
  return openWallet(config, ports);
}
