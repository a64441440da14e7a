/** The one configuration resolver every host uses: flag, then environment, then saved choice, then default. */
import { describe, expect, it } from 'vitest';
import { parseBooleanSetting, resolveHome, resolveWalletConfig, SETTING_DETAIL } from '../../../electron/wallet/config.js';
import { ErrorCode, isLatchkeyError, type LatchkeyError } from '../../../shared/errors.js';

const homeDir = '/home/tester';

function errorOf(run: () => unknown): LatchkeyError {
  try {
    run();
  } catch (error) {
    if (isLatchkeyError(error)) return error;
    throw error;
  }
  throw new Error('expected a LatchkeyError');
}

describe('resolveWalletConfig', () => {
  it('defaults: ~/.latchkey, https only, keychain vault, no allowed hosts', () => {
    expect(resolveWalletConfig({ env: {}, homeDir })).toEqual({ home: '/home/tester/.latchkey', allowInsecureLoopback: false, vault: { mode: 'keychain' } });
  });

  it('home: --home over LATCHKEY_HOME over the default, made absolute', () => {
    expect(resolveHome({ env: { LATCHKEY_HOME: '/env/home' }, homeDir })).toBe('/env/home');
    expect(resolveHome({ flags: { home: '/flag/home' }, env: { LATCHKEY_HOME: '/env/home' }, homeDir })).toBe('/flag/home');
    expect(resolveHome({ env: { LATCHKEY_HOME: 'rel' }, homeDir })).toBe(`${process.cwd()}/rel`);
  });

  it('vault: flag over environment over the saved choice over keychain', () => {
    const saved = (): 'memory' => 'memory';
    expect(resolveWalletConfig({ env: {}, homeDir, savedVaultMode: saved }).vault.mode).toBe('memory');
    expect(resolveWalletConfig({ env: { LATCHKEY_VAULT: 'passphrase', LATCHKEY_PASSPHRASE: 'pw' }, homeDir, savedVaultMode: saved }).vault).toEqual({ mode: 'passphrase', passphrase: 'pw' });
    expect(resolveWalletConfig({ flags: { vault: 'keychain' }, env: { LATCHKEY_VAULT: 'memory' }, homeDir }).vault).toEqual({ mode: 'keychain' });
  });

  it('the saved choice is read only when neither flag nor environment chose', () => {
    let asked = 0;
    const saved = (): undefined => {
      asked += 1;
      return undefined;
    };
    resolveWalletConfig({ env: { LATCHKEY_VAULT: 'memory' }, homeDir, savedVaultMode: saved });
    expect(asked).toBe(0);
    resolveWalletConfig({ env: {}, homeDir, savedVaultMode: saved });
    expect(asked).toBe(1);
  });

  it('a vault mode that does not exist is InvalidInput naming the setting, never keychain', () => {
    const fromEnv = errorOf(() => resolveWalletConfig({ env: { LATCHKEY_VAULT: 'plaintext' }, homeDir }));
    expect(fromEnv.code).toBe(ErrorCode.InvalidInput);
    expect(fromEnv.message).toBe('LATCHKEY_VAULT "plaintext" is not a vault mode.');
    expect(fromEnv.details[SETTING_DETAIL]).toBe('LATCHKEY_VAULT');
    expect(errorOf(() => resolveWalletConfig({ flags: { vault: 'nope' }, env: {}, homeDir })).details[SETTING_DETAIL]).toBe('--vault');
  });

  it('allowed hosts and the client metadata URL come from the environment', () => {
    const config = resolveWalletConfig({ env: { LATCHKEY_ALLOWED_HOSTS: 'a.internal, b.internal,', LATCHKEY_CLIENT_METADATA_URL: 'https://me.example/c.json' }, homeDir });
    expect(config.allowedHosts).toEqual(['a.internal', 'b.internal']);
    expect(config.clientMetadataUrl).toBe('https://me.example/c.json');
  });

  it('yes/no settings: the usual spellings, anything else is InvalidInput', () => {
    expect(parseBooleanSetting('X', 'on')).toBe(true);
    expect(parseBooleanSetting('X', 'off')).toBe(false);
    expect(parseBooleanSetting('X', undefined)).toBeUndefined();
    expect(errorOf(() => parseBooleanSetting('X', 'maybe')).code).toBe(ErrorCode.InvalidInput);
    expect(resolveWalletConfig({ flags: { allowInsecureLoopback: true }, env: { LATCHKEY_ALLOW_INSECURE_LOOPBACK: '0' }, homeDir }).allowInsecureLoopback).toBe(true);
  });
});
