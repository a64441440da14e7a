/**
 * The one rule for what a child process Latchkey starts may inherit (threat T34): the parent's
 * environment minus every Latchkey secret. The browser opener, `latchkey run`'s child and the
 * desktop launcher all build their child's environment with `scrubEnv`.
 *
 * Removed: the vault passphrase, an agent's secret, a session secret, and any other
 * `LATCHKEY_*` variable whose name says it carries a secret (…SECRET, …TOKEN, …PASSPHRASE,
 * …PASSWORD, …SESSION, …COOKIE, …KEY). Names are compared case-insensitively (Windows).
 * The user's own variables (API keys for the agent's model, PATH, HOME …) are left alone:
 * the agent may need them, and they are not Latchkey's to withhold.
 */
import { ENV_AGENT_SECRET, ENV_SESSION_SECRET } from '../../../shared/bridge-names.js';

export const ENV_PASSPHRASE = 'LATCHKEY_PASSPHRASE';

/** The secrets Latchkey itself reads from its environment. */
export const LATCHKEY_SECRET_VARIABLES: readonly string[] = [ENV_PASSPHRASE, ENV_AGENT_SECRET, ENV_SESSION_SECRET];

/** Any Latchkey variable named like a secret, including ones a later version may add. */
const SECRET_NAME = /^LATCHKEY_(?:.*_)?(?:SECRET|TOKEN|PASSPHRASE|PASSWORD|SESSION|COOKIE|KEY)S?(?:_.*)?$/;

/** Whether a variable of this name is a Latchkey secret that no child may inherit. */
export function isSecretVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return LATCHKEY_SECRET_VARIABLES.includes(upper) || SECRET_NAME.test(upper);
}

export interface ScrubOptions {
  /**
   * Secrets this child needs and may keep: only Latchkey's own processes (the desktop app opens
   * the vault and needs the passphrase). Never for a browser or an agent.
   */
  keep?: readonly string[];
}

/** A copy of `env` without Latchkey's secrets (see the module comment). */
export function scrubEnv(env: NodeJS.ProcessEnv | Record<string, string | undefined>, options: ScrubOptions = {}): NodeJS.ProcessEnv {
  const keep = new Set((options.keep ?? []).map((name) => name.toUpperCase()));
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (isSecretVariable(name) && !keep.has(name.toUpperCase())) continue;
    out[name] = value;
  }
  return out;
}

/**
 * Removes Latchkey's secrets from this process's own environment, once they have been read: for
 * hosts whose libraries start processes Latchkey does not see (Electron's shell.openExternal runs
 * xdg-open with the process environment).
 */
export function removeSecretsFromEnv(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(env)) if (isSecretVariable(name)) delete env[name];
}
