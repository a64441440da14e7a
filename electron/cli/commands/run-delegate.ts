/**
 * `latchkey run --delegate [--scope S…] [--resource URL…] [--ttl D] -- cmd`: inside an agent's
 * session, start a sub-agent with a slice of that session's access (threat T40). The wallet
 * checks the slice (a subset of the agent's grants and the parent's bounds, a lifetime within the
 * parent's) and refuses anything wider with what is wider. The child gets its own session secret
 * in its environment (never argv, never the parent's secret); it works while the parent's does,
 * and while this process runs.
 */
import { resolveEnvFile } from '../env-file-tokens.js';
import { ENV_SESSION_SECRET } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { createBridgeClient, locateBridge } from '../../agent/bridge-client/client.js';
import { assertNoReservedKeys, buildChildEnv, findPlaceholders, readEnvFile, startChild } from '../../agent/launch/index.js';
import { assertExpandedSecret } from '../agent-mode.js';
import { requireDuration } from '../duration.js';
import type { CliIo } from '../io.js';
import { getFlag, getString, getStrings, type CommandContext, type RawArgs } from '../spec.js';
import { UsageError } from '../usage-error.js';

const TTL_BOUNDS = { minMs: 1_000, maxMs: 7 * 86_400_000 };
const USAGE = 'Usage: latchkey run --delegate [--scope S ...] [--resource URL ...] [--ttl D] [--env-file F] -- <command> [args]';

export interface DelegateArgs {
  scopes?: string[];
  resources?: string[];
  ttlSeconds?: number;
  envFile?: string;
  command: string;
  args: string[];
}

/** Whether this `latchkey run` delegates (then it is an agent verb, never the owner's). */
export function isDelegating(raw: RawArgs): boolean {
  return getFlag(raw.values, 'delegate');
}

export function parseDelegateArgs(raw: RawArgs): DelegateArgs {
  if (getString(raw.values, 'agent') !== undefined) {
    throw new UsageError('--delegate runs as the agent of the session it is in; drop --agent.', USAGE);
  }
  const rest = raw.afterDashDash;
  if (rest === undefined || rest.length !== raw.positionals.length) throw new UsageError('Put -- before the command.', USAGE);
  const [command, ...args] = rest;
  if (command === undefined || command === '') throw new UsageError('latchkey run --delegate needs a command after --.', USAGE);
  const scopes = getStrings(raw.values, 'scope');
  const resources = getStrings(raw.values, 'resource');
  const ttl = getString(raw.values, 'ttl');
  const envFile = getString(raw.values, 'env-file');
  return {
    ...(scopes.length === 0 ? {} : { scopes }),
    ...(resources.length === 0 ? {} : { resources }),
    ...(ttl === undefined ? {} : { ttlSeconds: Math.ceil(requireDuration(ttl, 'ttl', TTL_BOUNDS) / 1000) }),
    ...(envFile === undefined ? {} : { envFile }),
    command,
    args,
  };
}

/** The bridge only takes printable ASCII: anything else in the command's name is shown as '?'. */
function printable(command: string): string {
  return command.replace(/[^\x20-\x7e]/g, '?').slice(0, 512);
}

export async function runDelegated(args: DelegateArgs, io: CliIo, context: CommandContext): Promise<number> {
  const parentSecret = context.env[ENV_SESSION_SECRET]?.trim() ?? '';
  if (parentSecret === '') {
    throw new LatchkeyError(ErrorCode.NotInSession, 'latchkey run --delegate runs inside an agent session, and LATCHKEY_SESSION is not set.', {
      hint: 'Start the agent with `latchkey run --agent NAME -- <command>`; inside it, `latchkey run --delegate` starts sub-agents.',
    });
  }
  assertExpandedSecret(context.env);
  const entries = args.envFile === undefined ? [] : await readEnvFile(args.envFile);
  assertNoReservedKeys(entries.map((entry) => entry.key));
  findPlaceholders(entries);
  const location = locateBridge(context.env);
  const parent = createBridgeClient({ ...location, secret: parentSecret });
  let secret: string;
  try {
    // Bound to this process (T36): the child's secret stops working when it exits.
    ({ secret } = await parent.delegate({
      ...(args.resources === undefined ? {} : { resources: args.resources }),
      ...(args.scopes === undefined ? {} : { scopes: args.scopes }),
      ...(args.ttlSeconds === undefined ? {} : { ttl_seconds: args.ttlSeconds }),
      pid: process.pid,
      command: printable(args.command),
    }));
  } finally {
    parent.close();
  }
  const fromFile = await resolveEnvFile(entries, location, secret, io);
  // scrubEnv drops the parent's LATCHKEY_SESSION: the child holds only its own secret.
  const env = buildChildEnv({ parent: context.env, fromFile, sessionSecret: secret, bridge: location });
  const child = await startChild({ command: args.command, args: args.args, env });
  const stopInterrupts = io.interrupts.onInterrupt(() => child.kill('SIGINT'));
  const stopSignals = context.signals.onSignal((signal) => child.kill(signal));
  try {
    return await child.exitCode;
  } finally {
    stopInterrupts();
    stopSignals();
  }
}
