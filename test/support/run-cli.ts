/** Runs the `latchkey` CLI from source in a child process, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** The CLI's entry point, run from source with `node --import tsx`. */
export const CLI_MAIN = resolve(REPO_ROOT, 'electron/cli/main.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
}

/** `input`: written to stdin, which is then closed; null leaves stdin open (write to `child.stdin`); none closes it at once. */
export function startCli(args: string[], env: Record<string, string | undefined>, input?: string | null): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  if (typeof input === 'string') child.stdin!.end(input);
  else if (input === undefined) child.stdin!.end();
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr }));
  });
  return {
    child,
    done,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
  };
}

export function runCli(args: string[], env: Record<string, string | undefined>, input?: string): Promise<CliResult> {
  return startCli(args, env, input).done;
}

/** Resolves when the running command has printed `text` (on either stream); rejects if it exits first. */
export function waitForOutput(running: RunningCli, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (running.stdout.includes(text) || running.stderr.includes(text)) finish();
    };
    const onExit = (): void => finish(new Error(`exited before printing "${text}":\n${running.stderr}`));
    const timer = setTimeout(() => finish(new Error(`did not print "${text}" within ${timeoutMs} ms:\n${running.stderr}`)), timeoutMs);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      running.child.stdout!.off('data', check);
      running.child.stderr!.off('data', check);
      running.child.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    };
    running.child.stdout!.on('data', check);
    running.child.stderr!.on('data', check);
    running.child.once('exit', onExit);
    check();
  });
}

/** Runs the CLI and expects it to succeed (the failure shows its stderr); its stdout. */
export async function runCliOk(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const result = await runCli(args, env);
  expect(result.code, `latchkey ${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0);
  return result.stdout;
}

/** Stops a command still running (a daemon) with SIGTERM and waits for it to exit. */
export async function stopCli(running: RunningCli | undefined): Promise<void> {
  if (running === undefined || running.child.exitCode !== null) return;
  running.child.kill('SIGTERM');
  await running.done;
}
