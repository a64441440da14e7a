/**
 * How the desktop app starts its wallet host (`latchkey daemon --no-ui` from the CLI bundle): the
 * port host-process.ts reads the host's readiness and exit through, and its two strategies.
 *
 * - `utilityProcessSpawner`: Electron's own Node, in a utilityProcess. Only when that Node meets
 *   package.json's engines (host-runtime.ts), so a user of the app needs no other Node.
 * - `nodeSpawner`: a child of the project's Node (LATCHKEY_NODE, else `node` on PATH), for an
 *   Electron whose Node is too old for the wallet (the Electron 25 test runtime).
 *
 * Neither goes through a shell. Electron's module is not imported here: main.ts hands in
 * `utilityProcess.fork`, so this file loads (and is tested) in plain Node.
 */
import { spawn } from 'node:child_process';
import type { ForkOptions, UtilityProcess } from 'electron';

/** A started host process, as host-process.ts needs it. */
export interface HostChild {
  readonly pid: number | undefined;
  /** The host's standard error (where the daemon announces its owner socket); null if not piped. */
  readonly stderr: NodeJS.ReadableStream | null;
  /** Called once when the process has ended. */
  onExit(listener: () => void): void;
  /** Called when the process could not be started or failed fatally (the exit follows, if it ran). */
  onError(listener: (detail: string) => void): void;
  /** False once it has exited. */
  isRunning(): boolean;
  /** Asks it to stop (SIGTERM on POSIX). */
  terminate(): void;
  /** Ends it without asking (SIGKILL). */
  forceKill(): void;
}

export interface HostSpawner {
  /** Which strategy, for the log and the tests. */
  readonly kind: 'utility-process' | 'node';
  /** Starts `cliEntry` with `args` in a process of its own. */
  start(cliEntry: string, args: readonly string[], env: NodeJS.ProcessEnv): HostChild;
}

/** The name the host has in Electron's process metrics. */
export const HOST_SERVICE_NAME = 'Latchkey wallet host';

/** A child of `node` (a path or a name looked up on PATH). */
export function nodeSpawner(node: string): HostSpawner {
  return {
    kind: 'node',
    start(cliEntry, args, env) {
      const child = spawn(node, [cliEntry, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      return {
        get pid() {
          return child.pid;
        },
        stderr: child.stderr,
        onExit: (listener) => void child.once('exit', () => listener()),
        onError: (listener) => void child.once('error', (error) => listener(error.message)),
        isRunning: () => child.pid !== undefined && child.exitCode === null && child.signalCode === null,
        terminate: () => void child.kill('SIGTERM'),
        forceKill: () => void child.kill('SIGKILL'),
      };
    },
  };
}

/** Electron's `utilityProcess.fork`, or a fake of it. */
export type ForkUtility = (modulePath: string, args: string[], options: ForkOptions) => Pick<UtilityProcess, 'pid' | 'stderr' | 'once' | 'kill'>;

/** Sends a signal to a process id (process.kill, or a fake). */
export type SignalProcess = (pid: number, signal: NodeJS.Signals) => void;

/** A utilityProcess of the running Electron; its kill() is SIGTERM on POSIX, so SIGKILL goes by pid. */
export function utilityProcessSpawner(fork: ForkUtility, signal: SignalProcess = (pid, name) => process.kill(pid, name)): HostSpawner {
  return {
    kind: 'utility-process',
    start(cliEntry, args, env) {
      // stdin can only be ignored; stdout is not read, so it is not piped (a full pipe would stall the host).
      const child = fork(cliEntry, [...args], { serviceName: HOST_SERVICE_NAME, stdio: ['ignore', 'ignore', 'pipe'], env });
      let running = true;
      child.once('exit', () => (running = false));
      return {
        get pid() {
          return child.pid;
        },
        stderr: child.stderr,
        onExit: (listener) => void child.once('exit', () => listener()),
        onError: (listener) => void child.once('error', (type) => listener(`the utility process failed: ${type}`)),
        isRunning: () => running,
        terminate: () => void child.kill(),
        forceKill: () => {
          if (running && child.pid !== undefined) signal(child.pid, 'SIGKILL');
        },
      };
    },
  };
}
