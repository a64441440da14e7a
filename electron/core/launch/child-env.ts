/**
 * The environment `latchkey run` gives the child: the parent's, minus owner secrets, plus the
 * env file's values, plus the session secret and where the bridge is.
 */
import { ENV_AGENT_SECRET, ENV_BRIDGE_SOCKET, ENV_BRIDGE_URL, ENV_SESSION_SECRET } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

/** Never handed to an agent: the owner's vault passphrase, another agent's secret, stale locations. */
const STRIPPED = ['LATCHKEY_PASSPHRASE', ENV_AGENT_SECRET, ENV_SESSION_SECRET, ENV_BRIDGE_SOCKET, ENV_BRIDGE_URL];
/** Set by latchkey run itself; an env file may not set them. */
const RESERVED = new Set(['LATCHKEY_PASSPHRASE', ENV_AGENT_SECRET, ENV_SESSION_SECRET, ENV_BRIDGE_SOCKET, ENV_BRIDGE_URL]);

export interface ChildEnvInput {
  parent: NodeJS.ProcessEnv;
  fromFile: Record<string, string>;
  sessionSecret: string;
  bridge: { socketPath?: string | undefined; url?: string | undefined };
}

/** Checked before a session starts: an env file may not set what latchkey run sets. */
export function assertNoReservedKeys(keys: Iterable<string>): void {
  for (const key of keys) {
    if (RESERVED.has(key)) {
      throw new LatchkeyError(ErrorCode.EnvFileInvalid, `The env file may not set ${key}: latchkey run sets it.`, {
        hint: `Remove ${key} from the env file.`,
      });
    }
  }
}

export function buildChildEnv(input: ChildEnvInput): NodeJS.ProcessEnv {
  assertNoReservedKeys(Object.keys(input.fromFile));
  const env: NodeJS.ProcessEnv = { ...input.parent };
  for (const key of STRIPPED) delete env[key];
  Object.assign(env, input.fromFile);
  env[ENV_SESSION_SECRET] = input.sessionSecret;
  if (input.bridge.socketPath !== undefined && input.bridge.socketPath !== '') env[ENV_BRIDGE_SOCKET] = input.bridge.socketPath;
  if (input.bridge.url !== undefined && input.bridge.url !== '') env[ENV_BRIDGE_URL] = input.bridge.url;
  return env;
}
