/**
 * Starting a packaged Latchkey binary as a user would (no Playwright: a hardened binary refuses
 * the `--inspect` Playwright's `_electron` needs) and watching it: its stderr lines and its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface PackagedRun {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first stderr match of `pattern` (past or future); rejects if the process exits first. */
  waitForLine(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Asks the app to quit (SIGTERM, as a session logout does) and waits for it to exit. */
  stop(): Promise<void>;
}

export function startPackaged(executable: string, options: { args: string[]; env: NodeJS.ProcessEnv }): PackagedRun {
  const child = spawn(executable, options.args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters = new Set<() => void>();
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const wake of waiters) wake();
  });
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
    for (const wake of waiters) wake();
  });
  const waitForLine = (pattern: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = stderr.match(pattern);
        if (match !== null) {
          waiters.delete(check);
          resolve(match);
        } else if (hasExited) {
          waiters.delete(check);
          reject(new Error(`exited before ${String(pattern)}; stderr:\n${stderr.slice(-3000)}`));
        }
      };
      waiters.add(check);
      check();
    });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return { child, stderr: () => stderr, waitForLine, exited, stop };
}
