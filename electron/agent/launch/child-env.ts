/**
 * The environment `latchkey run` gives the child: the parent's, scrubbed of every Latchkey secret
 * (scrubEnv, T34), without stale bridge locations, plus the env file's values, plus the session
 * secret and where the bridge is.
 */
import { ENV_BRIDGE_SOCKET, ENV_BRIDGE_URL, ENV_SESSION_SECRET } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { isSecretVariable, scrubEnv } from '../../base/process/scrub-env.js';

/** Where the bridge is: latchkey run sets them for this session; inherited values are stale. */
const LOCATIONS = [ENV_BRIDGE_SOCKET, ENV_BRIDGE_URL];

export interface ChildEnvInput {
  parent: NodeJS.ProcessEnv;
  fromFile: Record<string, string>;
  sessionSecret: string;
  bridge: { socketPath?: string | undefined; url?: string | undefined };
}

/** Checked before a session starts: an env file may not set what latchkey run sets. */
export function assertNoReservedKeys(keys: Iterable<string>): void {
  for (const key of keys) {
    if (isSecretVariable(key) || LOCATIONS.includes(key.toUpperCase())) {
      throw new LatchkeyError(ErrorCode.EnvFileInvalid, `The env file may not set ${key}: it is a Latchkey secret or set by latchkey run.`, {
        hint: `Remove ${key} from the env file.`,
      });
    }
  }
}

export function buildChildEnv(input: ChildEnvInput): NodeJS.ProcessEnv {
  assertNoReservedKeys(Object.keys(input.fromFile));
  const env = scrubEnv(input.parent);
  for (const key of Object.keys(env)) if (LOCATIONS.includes(key.toUpperCase())) delete env[key];
  Object.assign(env, input.fromFile);
  env[ENV_SESSION_SECRET] = input.sessionSecret;
  if (input.bridge.socketPath !== undefined && input.bridge.socketPath !== '') env[ENV_BRIDGE_SOCKET] = input.bridge.socketPath;
  if (input.bridge.url !== undefined && input.bridge.url !== '') env[ENV_BRIDGE_URL] = input.bridge.url;
  return env;
}
