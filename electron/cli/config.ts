/**
 * The CLI's view of the wallet configuration (wallet/config.ts resolves it for every host): the
 * global flags, the vault mode saved at the first `latchkey start`, and a wrong setting reported
 * as a usage mistake (exit 2).
 */
import { homedir } from 'node:os';
import { isLatchkeyError } from '../../shared/errors.js';
import { parseBooleanSetting, resolveWalletConfig, SETTING_DETAIL, type ConfigFlags } from '../wallet/config.js';
import type { VaultMode } from '../wallet/vault/index.js';
import type { WalletConfig } from '../wallet/wallet-api.js';
import { readSavedSettings } from './saved-settings.js';
import { UsageError } from './usage-error.js';

export interface GlobalFlags extends ConfigFlags {
  verbose?: boolean;
}

export type VaultModeName = VaultMode;

/** A wrong setting is the caller's mistake: a UsageError with the resolver's message and hint. */
function asUsageError<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (isLatchkeyError(error) && error.details[SETTING_DETAIL] !== undefined) throw new UsageError(error.message, error.hint);
    throw error;
  }
}

/** "1", "true", "yes", "on" → true; "", "0", "false", "no", "off" → false; anything else is a mistake. */
export function parseBooleanEnv(name: string, value: string | undefined): boolean | undefined {
  return asUsageError(() => parseBooleanSetting(name, value));
}

/** Flags, then environment, then the saved vault choice, then defaults (see wallet/config.ts). */
export function resolveConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv, homeDir: string = homedir()): WalletConfig {
  return asUsageError(() => resolveWalletConfig({ flags, env, homeDir, savedVaultMode: (home) => readSavedSettings(home).vault }));
}
