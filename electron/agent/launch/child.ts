/**
 * Starts the agent's command for `latchkey run`: no shell (the words are passed as they are), the
 * session secret and bridge location in the environment only (T17: never argv), stdio inherited.
 * Resolves with the exit code a shell would report (128 + n when a signal ended it).
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export interface ChildOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Default 'inherit'. */
  stdio?: StdioOptions;
  cwd?: string;
}

export interface RunningChild {
  readonly pid: number;
  /** Passes a signal on; false when the child is already gone. */
  kill(signal: NodeJS.Signals): boolean;
  readonly exitCode: Promise<number>;
}

export async function startChild(options: ChildOptions): Promise<RunningChild> {
  const child = spawn(options.command, [...options.args], {
    env: options.env,
    stdio: options.stdio ?? 'inherit',
    shell: false,
    windowsHide: true,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const exitCode = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0))));
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error: NodeJS.ErrnoException) => reject(startFailure(options.command, error)));
  });
  return {
    pid: child.pid ?? -1,
    kill: (signal) => child.exitCode === null && child.signalCode === null && child.kill(signal),
    exitCode,
  };
}

function startFailure(command: string, error: NodeJS.ErrnoException): LatchkeyError {
  const missing = error.code === 'ENOENT';
  return new LatchkeyError(ErrorCode.CommandFailed, missing ? `The command "${command}" was not found.` : `The command "${command}" could not be started (${error.code ?? 'error'}).`, {
    hint: missing ? 'Check the name, or give its full path. latchkey run starts commands without a shell; for shell syntax, run "sh -c \'…\'".' : 'Check that the file is executable.',
    cause: error,
  });
}
