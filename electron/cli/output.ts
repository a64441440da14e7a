/**
 * How results and errors look: human text or `--json`; results on stdout, everything else on
 * stderr. Error output never contains a stack unless --verbose, and never a secret.
 */
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import { redact } from '../base/log/logger.js';
import { writeLine, type CliIo } from './io.js';
import { UsageError } from './usage-error.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_CANCELLED = 130;

export interface ErrorView {
  code: string;
  message: string;
  hint?: string;
}

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
}

export function writeJson(io: CliIo, value: unknown): void {
  writeLine(io.stdout, JSON.stringify(value, null, 2));
}

/** What the user sees for an error, and the exit code that goes with it. */
export function describeError(error: unknown): { view: ErrorView; exitCode: number } {
  if (error instanceof UsageError) {
    return { view: { code: ErrorCode.InvalidInput, message: error.message, hint: error.hint }, exitCode: EXIT_USAGE };
  }
  if (error instanceof LatchkeyError) {
    return {
      view: { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) },
      exitCode: EXIT_FAILURE,
    };
  }
  return {
    view: {
      code: ErrorCode.Internal,
      message: 'Latchkey hit an unexpected problem and stopped.',
      hint: 'Run the command again with --verbose to see details, and report them if it keeps happening.',
    },
    exitCode: EXIT_FAILURE,
  };
}

/** Prints an error (stderr, or JSON on stdout with --json) and returns the exit code. */
export function reportError(io: CliIo, error: unknown, options: OutputOptions): number {
  const { view, exitCode } = describeError(error);
  if (options.json) {
    writeJson(io, { error: view });
  } else {
    writeLine(io.stderr, `error[${view.code}]: ${view.message}`);
    if (view.hint !== undefined) writeLine(io.stderr, `hint: ${view.hint}`);
  }
  if (options.verbose && !(error instanceof UsageError) && error instanceof Error && error.stack !== undefined) {
    writeLine(io.stderr, redact(error.stack));
    if (error.cause instanceof Error && error.cause.stack !== undefined) writeLine(io.stderr, `caused by: ${redact(error.cause.stack)}`);
  }
  return exitCode;
}

/** A command line that did not parse: reported as a usage error, as JSON when `--json` is anywhere in it. */
export function reportParseFailure(io: CliIo, argv: readonly string[], error: unknown): number {
  return reportError(io, error instanceof UsageError ? error : new UsageError(String(error)), { json: argv.includes('--json'), verbose: argv.includes('--verbose') });
}

export function reportCancelled(io: CliIo, options: OutputOptions): number {
  if (options.json) writeJson(io, { error: { code: ErrorCode.AuthorizationCancelled, message: 'Cancelled.' } });
  writeLine(io.stderr, 'Cancelled.');
  return EXIT_CANCELLED;
}

/** "4m 05s", "12s", "1h 02m". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
  return `${seconds}s`;
}
