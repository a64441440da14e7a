/** The desktop app resolves its configuration as the CLI does: same variables, same refusals, same code. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../electron/cli/config.js';
import { describeError } from '../../../electron/cli/output.js';
import { desktopConfig } from '../../../electron/main/desktop-config.js';
import { isLatchkeyError } from '../../../shared/errors.js';

const homeDir = '/home/tester';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return describeError(error).view.code;
  }
  throw new Error('expected an error');
}

describe('desktopConfig', () => {
  it('honours LATCHKEY_ALLOWED_HOSTS and LATCHKEY_CLIENT_METADATA_URL', () => {
    const env = { LATCHKEY_ALLOWED_HOSTS: 'mcp.corp.internal,sso.corp.internal', LATCHKEY_CLIENT_METADATA_URL: 'https://me.example/c.json' };
    const config = desktopConfig(env, homeDir);
    expect(config.allowedHosts).toEqual(['mcp.corp.internal', 'sso.corp.internal']);
    expect(config.clientMetadataUrl).toBe('https://me.example/c.json');
  });

  it('rejects a bad LATCHKEY_VAULT with the code the CLI uses, instead of opening the keychain vault', () => {
    const env = { LATCHKEY_VAULT: 'plaintext' };
    let thrown: unknown;
    try {
      desktopConfig(env, homeDir);
    } catch (error) {
      thrown = error;
    }
    expect(isLatchkeyError(thrown)).toBe(true);
    expect(codeOf(() => desktopConfig(env, homeDir))).toBe(codeOf(() => resolveConfig({}, env, homeDir)));
    expect(codeOf(() => desktopConfig({ LATCHKEY_ALLOW_INSECURE_LOOPBACK: 'maybe' }, homeDir))).toBe('input.invalid');
  });

  it('resolves what the CLI resolves from the same environment', () => {
    const env = { LATCHKEY_HOME: '/data/lk', LATCHKEY_VAULT: 'passphrase', LATCHKEY_PASSPHRASE: 'pw', LATCHKEY_ALLOW_INSECURE_LOOPBACK: 'yes' };
    expect(desktopConfig(env, homeDir)).toEqual(resolveConfig({}, env, homeDir));
  });
});
