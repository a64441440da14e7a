/** T34: the one rule for what a child process may inherit: nothing of Latchkey's secrets. */
import { describe, expect, it } from 'vitest';
import { isSecretVariable, removeSecretsFromEnv, scrubEnv } from '../../../../electron/base/process/scrub-env.js';

describe('scrubEnv (T34)', () => {
  const secret = ['LATCHKEY_PASSPHRASE', 'LATCHKEY_AGENT_SECRET', 'LATCHKEY_SESSION', 'LATCHKEY_OWNER_TOKEN', 'LATCHKEY_UI_COOKIE', 'LATCHKEY_API_KEY', 'latchkey_passphrase'];
  const kept = ['PATH', 'HOME', 'LATCHKEY_HOME', 'LATCHKEY_VAULT', 'LATCHKEY_RUNTIME_DIR', 'LATCHKEY_BRIDGE_SOCKET', 'LATCHKEY_ALLOW_INSECURE_LOOPBACK', 'LATCHKEY_DEBUG', 'ANTHROPIC_API_KEY', 'GITHUB_TOKEN'];
  for (const name of secret) it(`${name} is a Latchkey secret`, () => expect(isSecretVariable(name)).toBe(true));
  for (const name of kept) it(`${name} is not withheld`, () => expect(isSecretVariable(name)).toBe(false));

  it('returns a copy without the secrets, keeping only what the caller names', () => {
    const env = { PATH: '/bin', LATCHKEY_PASSPHRASE: 'p', LATCHKEY_SESSION: 's', GITHUB_TOKEN: 'user-owned' };
    expect(scrubEnv(env)).toEqual({ PATH: '/bin', GITHUB_TOKEN: 'user-owned' });
    expect(scrubEnv(env, { keep: ['LATCHKEY_PASSPHRASE'] })).toEqual({ PATH: '/bin', LATCHKEY_PASSPHRASE: 'p', GITHUB_TOKEN: 'user-owned' });
    expect(env.LATCHKEY_PASSPHRASE).toBe('p'); // the input is untouched
  });

  it('removeSecretsFromEnv empties a process environment of them in place (the desktop app, after reading its config)', () => {
    const env: NodeJS.ProcessEnv = { PATH: '/bin', LATCHKEY_PASSPHRASE: 'p', LATCHKEY_HOME: '/h' };
    removeSecretsFromEnv(env);
    expect(env).toEqual({ PATH: '/bin', LATCHKEY_HOME: '/h' });
  });
});
