/**
 * Which vault mode an integration test should use: the real OS keychain (Secret Service) when a
 * D-Bus session is present — always in CI, where .ci/run provides one — otherwise a passphrase
 * vault, so the suite still runs on a developer machine without a keychain.
 */
export function hasSecretService(): boolean {
  return (process.env['DBUS_SESSION_BUS_ADDRESS'] ?? '') !== '';
}

export function keychainMode(): Record<string, string> {
  if (hasSecretService() || process.env['CI'] === 'true') return { LATCHKEY_VAULT: 'keychain' };
  return { LATCHKEY_VAULT: 'passphrase', LATCHKEY_PASSPHRASE: 'e2e passphrase, not a secret' };
}
