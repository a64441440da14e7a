import { resolveEnvFile } from '../env-file-tokens.js';
import { locateBridge } from '../../agent/bridge-client/client.js';
import { assertNoReservedKeys, buildChildEnv, findPlaceholders, readEnvFile, startChild } from '../../agent/launch/index.js';
import type { Wallet } from '../../wallet/wallet-api.js';
import { requireDuration } from '../duration.js';
import { writeLine, type CliIo } from '../io.js';
import { sanitizeForTerminal } from '../sanitize.js';
import { defineCommand, getString, getStrings, type CommandContext, type CommandSpec, type RawArgs } from '../spec.js';
import { isDelegating, parseDelegateArgs, runDelegated } from './run-delegate.js';
import { CancelledError, UsageError } from '../usage-error.js';

export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;
const TTL_BOUNDS = { minMs: 60_000, maxMs: 7 * 86_400_000 };

export interface RunArgs {
  agent: string;
  envFile?: string;
  ttlSeconds: number;
  command: string;
  args: string[];
  home?: string;
  signal: AbortSignal;
}

export function parseRunArgs(raw: RawArgs): RunArgs {
  const agent = getString(raw.values, 'agent');
  if (agent === undefined || agent.trim() === '') throw new UsageError('latchkey run needs --agent NAME.', 'Usage: latchkey run --agent <name> [--env-file F] [--ttl 8h] -- <command> [args]');
  if (getStrings(raw.values, 'scope').length > 0 || getStrings(raw.values, 'resource').length > 0) {
    throw new UsageError('--scope and --resource are for --delegate, inside an agent session.', 'As the owner, grant scopes with `latchkey grant add`.');
  }
  const rest = raw.afterDashDash;
  if (rest === undefined || rest.length !== raw.positionals.length) {
    throw new UsageError('Put -- before the command: latchkey run --agent NAME -- <command> [args].', 'Everything after -- is the command and its arguments, passed on as they are.');
  }
  const [command, ...args] = rest;
  if (command === undefined || command === '') throw new UsageError('latchkey run needs a command after --.');
  const ttl = getString(raw.values, 'ttl');
  const envFile = getString(raw.values, 'env-file');
  const home = getString(raw.values, 'home');
  return {
    agent: agent.trim(),
    ...(envFile === undefined ? {} : { envFile }),
    ttlSeconds: Math.round((ttl === undefined ? DEFAULT_SESSION_TTL_MS : requireDuration(ttl, 'ttl', TTL_BOUNDS)) / 1000),
    command,
    args,
    ...(home === undefined ? {} : { home }),
    signal: raw.signal,
  };
}

/** Rejects with CancelledError as soon as `signal` aborts (the work itself is left to finish). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export async function runRun(wallet: Wallet, args: RunArgs, io: CliIo, context: CommandContext): Promise<number> {
  // Everything that can fail without a session fails first: the env file and the bridge's whereabouts.
  const entries = args.envFile === undefined ? [] : await readEnvFile(args.envFile);
  assertNoReservedKeys(entries.map((entry) => entry.key));
  findPlaceholders(entries);
  const location = locateBridge(args.home === undefined ? context.env : { ...context.env, LATCHKEY_HOME: args.home });
  // T36: the session is bound to this process; if it dies without ending the session (SIGKILL, a crash), the daemon ends it.
  const { session, secret } = await wallet.startSession({ agent: args.agent, ttlSeconds: args.ttlSeconds, pid: process.pid, command: args.command.slice(0, 512) });
  let exitCode: number | undefined;
  try {
    const fromFile = await untilAborted(resolveEnvFile(entries, location, secret, io), args.signal);
    const env = buildChildEnv({ parent: context.env, fromFile, sessionSecret: secret, bridge: location });
    const child = await startChild({ command: args.command, args: args.args, env });
    const stopInterrupts = io.interrupts.onInterrupt(() => child.kill('SIGINT'));
    const stopSignals = context.signals.onSignal((signal) => child.kill(signal));
    try {
      exitCode = await child.exitCode;
    } finally {
      stopInterrupts();
      stopSignals();
    }
    return exitCode;
  } finally {
    await wallet.endSession({ id: session.id, reason: 'exited' }).catch((error: unknown) => {
      const why = error instanceof Error ? sanitizeForTerminal(error.message) : 'unknown error';
      writeLine(io.stderr, `warning: the session ${sanitizeForTerminal(session.id)} could not be ended (${why}); the daemon ends it once this process has exited.`);
    });
  }
}

const ownerRun = defineCommand(
  {
    path: ['run'],
    usage: 'latchkey run --agent <name> [--env-file F] [--ttl 8h] -- <command> [args]\n       latchkey run --delegate [--scope S ...] [--resource URL ...] [--ttl D] -- <command> [args]',
    summary: 'Start a command as an agent, with a fresh session secret in its environment.',
    description:
      'Starts a session for the agent and runs the command without a shell, with LATCHKEY_SESSION (the session secret) and ' +
      'the bridge location (LATCHKEY_BRIDGE_SOCKET, LATCHKEY_BRIDGE_URL) in its environment, never in its arguments. ' +
      'Inside, `latchkey token`, `latchkey mcp` and `latchkey whoami` act for the agent. ' +
      'With --env-file, KEY=VALUE lines are added to the environment and {{latchkey:<mcp-url>}} placeholders in their ' +
      'values become short-lived access tokens, asked for under the agent\'s grants (the file itself holds no secret). ' +
      'SIGINT, SIGTERM and SIGHUP are passed to the command; latchkey run exits with its exit code and ends the session. ' +
      'The session is bound to the latchkey run process: if it is killed or crashes, the daemon ends the session within seconds. ' +
      'Inside a session, --delegate starts a sub-agent with a slice of the session\'s access: only the --resource servers and --scope scopes ' +
      '(default: all of the session\'s), for at most --ttl (default: the session\'s remaining time). The wallet refuses anything wider ' +
      'than the session holds, saying what is wider. The sub-agent gets its own session secret, never the parent\'s; ending the parent ' +
      'session, revoking the grant or removing the agent ends it too.',
    examples: [
      'latchkey run --agent claude -- claude',
      'latchkey run --agent ci --env-file .env.latchkey --ttl 1h -- node agent.js',
      'latchkey run --delegate --scope mcp:read --resource https://mcp.example.com/mcp --ttl 10m -- node sub-agent.js',
    ],
    positionals: ['<command>'],
    variadic: true,
    options: {
      agent: { type: 'string', valueName: 'NAME', description: 'The enrolled agent (name or id) the command runs as.' },
      'env-file': { type: 'string', valueName: 'F', description: 'KEY=VALUE lines for the environment, with {{latchkey:…}} placeholders.' },
      ttl: { type: 'string', valueName: 'DURATION', description: 'How long the session may last (default 8h; 1m to 7d).' },
      delegate: { type: 'boolean', description: 'Inside a session: start a sub-agent with a slice of its access.' },
      scope: { type: 'string', multiple: true, valueName: 'S', description: 'With --delegate: a scope the sub-agent may use (repeatable).' },
      resource: { type: 'string', multiple: true, valueName: 'URL', description: 'With --delegate: a server the sub-agent may use (repeatable).' },
    },
  },
  parseRunArgs,
  runRun,
);

/** The owner's `latchkey run --agent`, or (`--delegate`, an agent verb) a sub-agent's run inside a session. */
export const runCommand: CommandSpec = {
  ...ownerRun,
  prepareAgent(raw) {
    if (!isDelegating(raw)) return undefined;
    const args = parseDelegateArgs(raw);
    return (io, context) => runDelegated(args, io, context);
  },
};
