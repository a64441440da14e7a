/**
 * The desktop app's configuration: the resolver every host uses (wallet/config.ts) over the same
 * environment variables the CLI reads. The app has no flags; a wrong setting stops it with the
 * resolver's error instead of falling back to a default.
 */
import { homedir } from 'node:os';
import { resolveWalletConfig } from '../wallet/config.js';
import type { WalletConfig } from '../wallet/wallet-api.js';

export function desktopConfig(env: Readonly<Record<string, string | undefined>>, homeDir: string = homedir()): WalletConfig {
  return resolveWalletConfig({ env, homeDir });
}
