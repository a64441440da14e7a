/**
 * An agent's `latchkey token` started quickly: a credential helper inside `latchkey run` spawns one
 * process per token, so main.ts loads this module alone (bundled as one file, scripts/bundle-cli.ts)
 * instead of the whole CLI with its command table and help text. It runs the token command's own
 * steps (command-args.ts, commands/token.ts, the bridge client, output.ts): only what it loads
 * differs. It answers only `latchkey token …` with an agent or session secret in the environment
 * and no help, version or short option; for anything else it returns false and main.ts runs the
 * whole CLI, which answers as always.
 */
import { isAgentMode } from './agent-mode.js';
import { parseCommandArgs, rawArgsOf } from './command-args.js';
import { tokenCommand } from './commands/token.js';
import type { CliIo } from './io.js';
import { reportCancelled, reportError, reportParseFailure } from './output.js';
import { createProcessInterrupts, createProcessIo, endProcess } from './process-io.js';
import { createProcessSignals } from './signals.js';
import type { SignalSource } from './spec.js';
import { CancelledError } from './usage-error.js';

/** Whether this module answers argv (verb first) as the whole CLI would: help, version and short options are the CLI's. */
export function isAgentTokenCall(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (argv[0] !== tokenCommand.path[0] || !isAgentMode(env)) return false;
  for (const arg of argv) {
    if (arg === '--') break;
    if (/^-[^-]/u.test(arg) || arg.startsWith('--help') || arg.startsWith('--version')) return false;
  }
  return true;
}

/** Runs an agent's `latchkey token` from argv (verb first); undefined when the whole CLI is to answer. */
export async function runAgentTokenCall(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv, signals: SignalSource): Promise<number | undefined> {
  if (!isAgentTokenCall(argv, env)) return undefined;
  let parsed: ReturnType<typeof parseCommandArgs>;
  try {
    parsed = parseCommandArgs(argv, tokenCommand);
  } catch (error) {
    return reportParseFailure(io, argv, error);
  }
  if (parsed.kind !== 'command') return undefined;
  const output = { json: parsed.json, verbose: parsed.globals.verbose === true };
  const controller = new AbortController();
  const unsubscribe = io.interrupts.onInterrupt(() => controller.abort());
  try {
    const agentCommand = tokenCommand.prepareAgent?.(rawArgsOf(parsed, controller.signal), env);
    if (agentCommand === undefined) return undefined;
    return await agentCommand(io, { env, signals });
  } catch (error) {
    if (controller.signal.aborted || error instanceof CancelledError) return reportCancelled(io, output);
    return reportError(io, error, output);
  } finally {
    unsubscribe();
  }
}

/** On the real process: true when it ran (the exit code is set), false when main.ts is to load the whole CLI. */
export async function launchAgentToken(proc: NodeJS.Process = process): Promise<boolean> {
  const argv = proc.argv.slice(2);
  if (!isAgentTokenCall(argv, proc.env)) return false;
  const interrupts = createProcessInterrupts(proc);
  const exitCode = await runAgentTokenCall(argv, createProcessIo(proc, interrupts), proc.env, createProcessSignals(proc));
  interrupts.dispose();
  if (exitCode === undefined) return false;
  endProcess(proc, exitCode);
  return true;
}
