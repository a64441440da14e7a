/**
 * The wallet's configuration, resolved once from flags and the environment by every host (the
 * CLI, the daemon it starts, the desktop app). Precedence: flag, then environment, then the
 * caller's saved choice, then the default:
 * - home: --home, LATCHKEY_HOME, ~/.latchkey (made absolute)
 * - allowInsecureLoopback: --allow-insecure-loopback, LATCHKEY_ALLOW_INSECURE_LOOPBACK, false
 * - vault mode: --vault, LATCHKEY_VAULT, the saved choice, keychain; the passphrase only from
 *   LATCHKEY_PASSPHRASE (asking for a missing one is the caller's job)
 * - allowedHosts: LATCHKEY_ALLOWED_HOSTS (comma-separated); clientMetadataUrl:
 *   LATCHKEY_CLIENT_METADATA_URL
 * A value that is not one of the allowed ones is InvalidInput naming the setting, never a default.
 */
import { join, resolve } from 'node:path';
import { VaultStatusSchema } from '../../shared/api.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type { VaultMode } from './vault/index.js';
import type { WalletConfig } from './wallet-api.js';

export interface ConfigFlags {
  home?: string;
  allowInsecureLoopback?: boolean;
  vault?: string;
}

export interface ConfigSources {
  flags?: ConfigFlags;
  env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory (os.homedir() in production). */
  homeDir: string;
  /** The vault mode chosen once and saved in the data directory, when the host keeps one. */
  savedVaultMode?: (home: string) => VaultMode | undefined;
}

/** Which setting was wrong, in the error's details: the CLI reports these as usage mistakes. */
export const SETTING_DETAIL = 'setting';

function invalidSetting(setting: string, message: string, hint: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.InvalidInput, message, { hint, details: { [SETTING_DETAIL]: setting } });
}

/** From the contract, not the vault module: agent-side verbs read settings without loading the vault. */
const VAULT_MODES: readonly VaultMode[] = VaultStatusSchema.shape.mode.options;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function isVaultMode(value: string): value is VaultMode {
  return (VAULT_MODES as readonly string[]).includes(value);
}

/** "1", "true", "yes", "on" → true; "", "0", "false", "no", "off" → false; unset → undefined; anything else is InvalidInput. */
export function parseBooleanSetting(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const normalised = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalised)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(normalised)) return false;
  throw invalidSetting(name, `${name}="${value}" is not a yes/no value.`, `Set ${name}=1 to turn it on, or unset it.`);
}

/** The data directory: --home, LATCHKEY_HOME, ~/.latchkey, made absolute. */
export function resolveHome(sources: Pick<ConfigSources, 'flags' | 'env' | 'homeDir'>): string {
  return resolve(nonEmpty(sources.flags?.home) ?? nonEmpty(sources.env['LATCHKEY_HOME']) ?? join(sources.homeDir, '.latchkey'));
}

export function resolveWalletConfig(sources: ConfigSources): WalletConfig {
  const { flags = {}, env } = sources;
  const home = resolveHome(sources);
  const allowInsecureLoopback =
    flags.allowInsecureLoopback === true || (parseBooleanSetting('LATCHKEY_ALLOW_INSECURE_LOOPBACK', env['LATCHKEY_ALLOW_INSECURE_LOOPBACK']) ?? false);

  const modeSource = nonEmpty(flags.vault) !== undefined ? '--vault' : 'LATCHKEY_VAULT';
  const mode = nonEmpty(flags.vault) ?? nonEmpty(env['LATCHKEY_VAULT']) ?? sources.savedVaultMode?.(home) ?? 'keychain';
  if (!isVaultMode(mode)) {
    throw invalidSetting(modeSource, `${modeSource} "${mode}" is not a vault mode.`, `Use one of: ${VAULT_MODES.join(', ')}.`);
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
