/**
 * Flags and environment → WalletConfig. Precedence: flag, then environment, then default.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { WalletConfig } from '../wallet/wallet-api.js';
import { readSavedSettings } from './saved-settings.js';
import { UsageError } from './usage-error.js';

export interface GlobalFlags {
  home?: string;
  allowInsecureLoopback?: boolean;
  vault?: string;
  verbose?: boolean;
}

export const VAULT_MODES = ['keychain', 'passphrase', 'memory'] as const;
export type VaultModeName = (typeof VAULT_MODES)[number];

function isVaultMode(value: string): value is VaultModeName {
  return (VAULT_MODES as readonly string[]).includes(value);
}

/** "1", "true", "yes", "on" → true; "", "0", "false", "no", "off" → false; anything else is a mistake. */
export function parseBooleanEnv(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const normalised = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalised)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(normalised)) return false;
  throw new UsageError(`${name}="${value}" is not a yes/no value.`, `Set ${name}=1 to turn it on, or unset it.`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Resolves the wallet configuration.
 * - home: --home, LATCHKEY_HOME, ~/.latchkey (made absolute)
 * - allowInsecureLoopback: --allow-insecure-loopback, LATCHKEY_ALLOW_INSECURE_LOOPBACK, false
 * - vault mode: --vault, LATCHKEY_VAULT, the choice saved in <home>/settings.json (the first
 *   `latchkey start` without a keychain asks for it), keychain; the passphrase from LATCHKEY_PASSPHRASE
 *   (a prompt on a terminal is the caller's job when it is missing)
 * - allowedHosts: LATCHKEY_ALLOWED_HOSTS (comma-separated); clientMetadataUrl:
 *   LATCHKEY_CLIENT_METADATA_URL
 */
export function resolveConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv, homeDir: string = homedir()): WalletConfig {
  const home = resolve(nonEmpty(flags.home) ?? nonEmpty(env['LATCHKEY_HOME']) ?? join(homeDir, '.latchkey'));
  const allowInsecureLoopback =
    flags.allowInsecureLoopback === true ||
    (parseBooleanEnv('LATCHKEY_ALLOW_INSECURE_LOOPBACK', env['LATCHKEY_ALLOW_INSECURE_LOOPBACK']) ?? false);

  const modeSource = nonEmpty(flags.vault) !== undefined ? '--vault' : 'LATCHKEY_VAULT';
  const mode = nonEmpty(flags.vault) ?? nonEmpty(env['LATCHKEY_VAULT']) ?? readSavedSettings(home).vault ?? 'keychain';
  if (!isVaultMode(mode)) {
    throw new UsageError(`${modeSource} "${mode}" is not a vault mode.`, `Use one of: ${VAULT_MODES.join(', ')}.`);
  }
  const passphrase = mode === 'passphrase' ? env['LATCHKEY_PASSPHRASE'] : undefined;

  const allowedHosts = (env['LATCHKEY_ALLOWED_HOSTS'] ?? '')
    .split(',')
    .map((host) => host.trim())
    .filter((host) => host !== '');
  const clientMetadataUrl = nonEmpty(env['LATCHKEY_CLIENT_METADATA_URL']);

  return {
    home,
    allowInsecureLoopback,
    vault: { mode, ...(passphrase === undefined || passphrase === '' ? {} : { passphrase }) },
    ...(allowedHosts.length === 0 ? {} : { allowedHosts }),
    ...(clientMetadataUrl === undefined ? {} : { clientMetadataUrl }),
  };
}
