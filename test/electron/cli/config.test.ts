import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../electron/cli/config.js';
import { UsageError } from '../../../electron/cli/usage-error.js';

const HOME = '/home/tester';

describe('resolveConfig: flag > environment > default', () => {
  it('defaults: ~/.latchkey, https only, keychain vault', () => {
    expect(resolveConfig({}, {}, HOME)).toEqual({ home: '/home/tester/.latchkey', allowInsecureLoopback: false, vault: { mode: 'keychain' } });
  });

  it('home: --home over LATCHKEY_HOME over the default, made absolute', () => {
    expect(resolveConfig({}, { LATCHKEY_HOME: '/env/home' }, HOME).home).toBe('/env/home');
    expect(resolveConfig({ home: '/flag/home' }, { LATCHKEY_HOME: '/env/home' }, HOME).home).toBe('/flag/home');
    expect(resolveConfig({}, { LATCHKEY_HOME: '' }, HOME).home).toBe('/home/tester/.latchkey');
    expect(resolveConfig({ home: 'rel/dir' }, {}, HOME).home).toBe(`${process.cwd()}/rel/dir`);
  });

  it('insecure loopback: the flag or LATCHKEY_ALLOW_INSECURE_LOOPBACK=1', () => {
    expect(resolveConfig({ allowInsecureLoopback: true }, {}, HOME).allowInsecureLoopback).toBe(true);
    expect(resolveConfig({}, { LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1' }, HOME).allowInsecureLoopback).toBe(true);
    expect(resolveConfig({}, { LATCHKEY_ALLOW_INSECURE_LOOPBACK: 'true' }, HOME).allowInsecureLoopback).toBe(true);
    expect(resolveConfig({}, { LATCHKEY_ALLOW_INSECURE_LOOPBACK: '0' }, HOME).allowInsecureLoopback).toBe(false);
    expect(resolveConfig({ allowInsecureLoopback: true }, { LATCHKEY_ALLOW_INSECURE_LOOPBACK: '0' }, HOME).allowInsecureLoopback).toBe(true);
    expect(() => resolveConfig({}, { LATCHKEY_ALLOW_INSECURE_LOOPBACK: 'maybe' }, HOME)).toThrow(UsageError);
  });

  it('vault: --vault over LATCHKEY_VAULT over keychain; the passphrase only from LATCHKEY_PASSPHRASE', () => {
    expect(resolveConfig({}, { LATCHKEY_VAULT: 'memory' }, HOME).vault).toEqual({ mode: 'memory' });
    expect(resolveConfig({ vault: 'keychain' }, { LATCHKEY_VAULT: 'memory' }, HOME).vault).toEqual({ mode: 'keychain' });
    expect(resolveConfig({ vault: 'passphrase' }, { LATCHKEY_PASSPHRASE: 'correct horse' }, HOME).vault).toEqual({
      mode: 'passphrase',
      passphrase: 'correct horse',
    });
    expect(resolveConfig({}, { LATCHKEY_PASSPHRASE: 'unused' }, HOME).vault).toEqual({ mode: 'keychain' });
    expect(() => resolveConfig({}, { LATCHKEY_VAULT: 'plaintext' }, HOME)).toThrow(/LATCHKEY_VAULT "plaintext" is not a vault mode/);
  });

  it('allowed hosts and the client metadata URL come from the environment', () => {
    const config = resolveConfig({}, { LATCHKEY_ALLOWED_HOSTS: 'a.internal, b.internal,', LATCHKEY_CLIENT_METADATA_URL: 'https://me.example/client.json' }, HOME);
    expect(config.allowedHosts).toEqual(['a.internal', 'b.internal']);
    expect(config.clientMetadataUrl).toBe('https://me.example/client.json');
  });
});
