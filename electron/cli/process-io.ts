/**
 * CliIo for the real process: its streams, its clock, and SIGINT.
 */
import { writeLine, intervalScheduler, type CliIo, type InterruptSource } from './io.js';
import { EXIT_CANCELLED } from './output.js';

export interface ProcessInterrupts extends InterruptSource {
  dispose(): void;
}

/**
 * First Ctrl-C: the running command's handlers abort it (it then prints "Cancelled." and exits
 * 130). With no handler, or on a second Ctrl-C, exit 130 at once.
 */
export function createProcessInterrupts(proc: NodeJS.Process): ProcessInterrupts {
  const handlers = new Set<() => void>();
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted || handlers.size === 0) {
      writeLine(proc.stderr, '\nCancelled.');
      proc.exit(EXIT_CANCELLED);
    }
    interrupted = true;
    for (const handler of [...handlers]) handler();
  };
  proc.on('SIGINT', onSigint);
  return {
    onInterrupt(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    dispose() {
      proc.off('SIGINT', onSigint);
    },
  };
}

/** A TTY's width; otherwise $COLUMNS when set (a pipe or file gets whole lines). */
export function terminalColumns(proc: Pick<NodeJS.Process, 'stdout' | 'env'>): number | undefined {
  if (proc.stdout.isTTY && proc.stdout.columns > 0) return proc.stdout.columns;
  const fromEnv = Number(proc.env['COLUMNS']);
  return Number.isInteger(fromEnv) && fromEnv >= 20 ? fromEnv : undefined;
}

export function createProcessIo(proc: NodeJS.Process, interrupts: InterruptSource): CliIo {
  return {
    stdout: proc.stdout,
    stderr: proc.stderr,
    // Read when a command reads it: making process.stdin opens the stream, a cost to every command that never does.
    get stdin() {
      return proc.stdin;
    },
    interrupts,
    now: () => Date.now(),
    schedule: intervalScheduler,
    columns: () => terminalColumns(proc),
  };
}

/** Sets the exit code and lets stdout drain so the process ends by itself; if a stray handle keeps it alive, ends it anyway. */
export function endProcess(proc: NodeJS.Process, exitCode: number): void {
  proc.exitCode = exitCode;
  setTimeout(() => proc.exit(exitCode), 2000).unref();
}
