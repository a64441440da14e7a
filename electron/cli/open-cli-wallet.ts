/**
 * The wallet the `latchkey` owner commands use: the running daemon's, when one answers on the
 * owner socket (it owns the vault, the bridge and the pending approvals; found from a minimal
 * environment too), otherwise a wallet opened in this process. Owner commands refuse to run
 * inside an agent session: an agent that can run `latchkey approve` would approve its own requests.
 */
import type { WalletPorts } from '../wallet/wallet.js';
import type { Wallet, WalletConfig } from '../wallet/wallet-api.js';
import { openRemoteWallet } from '../wallet/host/owner-client.js';
import { validatedWallet } from '../wallet/host/owner-call.js';
import { assertOwnerContext } from './agent-mode.js';
import { findDaemonFor } from './find-daemon.js';

export async function openCliWallet(config: WalletConfig, ports: Partial<WalletPorts> = {}): Promise<Wallet> {
  const env = ports.env ?? process.env;
  assertOwnerContext(env);
  const endpoint = await findDaemonFor(config.home, env);
  // The daemon's wallet, with the caller's own opener (their BROWSER) and --allow-insecure-loopback (refused if the daemon lacks it).
  if (endpoint !== undefined) {
    return openRemoteWallet(endpoint, { ...(ports.opener === undefined ? {} : { opener: ports.opener }), allowInsecureLoopback: config.allowInsecureLoopback });
  }
  // In process, held to the same contract as the daemon's: every call through the validated call.
  // Loaded only here: with a daemon, `latchkey token` never loads the wallet's OAuth and HTTP stack.
  const { openWallet } = await import('../wallet/wallet.js');
  return validatedWallet(await openWallet(config, ports));
}
