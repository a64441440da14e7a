/** The vault's public surface. Everything else in this folder is internal. */
export { openVault, MEMORY_VAULT_WARNING, PASSPHRASE_VAULT_WARNING, VAULT_MODES } from './vault.js';
export type { Vault, VaultMode, VaultOptions } from './vault.js';
export type { VaultDocument, VaultMutation } from './document.js';
export { createKeytarSecretStore, KEYCHAIN_ALTERNATIVES_HINT } from './keytar-secret-store.js';
export type { KeytarSecretStoreOptions } from './keytar-secret-store.js';
export { KEYCHAIN_SERVICE, keychainAccountFor } from './key-source.js';
export { probeKeychain, type KeychainProbe } from './keychain-probe.js';
export { vaultPathsIn } from './files.js';
export { VaultSection, type VaultSectionOptions } from './section.js';
