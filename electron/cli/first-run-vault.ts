/**
 * The vault a host command (`latchkey start`, `latchkey daemon`) opens: the configured one, or, on
 * a first run with no vault mode chosen and no usable keychain, the one chooseStartVault settles on
 * (a passphrase or memory vault offered on a terminal, memory with a warning otherwise). The
 * keychain is probed through the real SecretStore and the choice is saved in <home>/settings.json.
 */
import { existsSync } from 'node:fs';
import type { WalletConfig } from '../wallet/wallet-api.js';
import type { CliIo } from './io.js';
import { readSavedSettings, saveSettings, settingsPathIn } from './saved-settings.js';
import { chooseStartVault } from './vault-choice.js';

/** How long the keychain probe may take before another vault is offered. */
const KEYCHAIN_PROBE_TIMEOUT_MS = 3_000;

/** `vaultFlag`: --vault was given. LATCHKEY_VAULT or a saved choice also count as chosen. */
export async function resolveFirstRunVault(config: WalletConfig, vaultFlag: boolean, io: CliIo, env: NodeJS.ProcessEnv): Promise<WalletConfig> {
  const chosen = vaultFlag || (env['LATCHKEY_VAULT'] ?? '').trim() !== '' || readSavedSettings(config.home).vault !== undefined;
  // Loaded here: the vault's dependencies (keytar) are only needed by host commands.
  const { createKeytarSecretStore, probeKeychain, vaultPathsIn } = await import('../wallet/vault/index.js');
  return chooseStartVault(
    { config, chosen, io },
    {
      probeKeychain: () => probeKeychain(createKeytarSecretStore({ timeoutMs: KEYCHAIN_PROBE_TIMEOUT_MS })),
      vaultExists: (home) => existsSync(vaultPathsIn(home).current) || existsSync(vaultPathsIn(home).previous),
      saveChoice: (home, mode) => {
        saveSettings(home, { vault: mode });
        return settingsPathIn(home);
      },
    },
  );
}
