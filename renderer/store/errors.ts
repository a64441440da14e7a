/**
 * Errors as the window shows them. Transports hand back LatchkeyErrors or plain objects with the
 * same fields (IPC loses the class), so this reads the fields rather than checking the class.
 */
import { ErrorCode } from '../../shared/errors.js';
import type { Outcome, UiError } from './types.js';

const MAX_TEXT = 2_000;

function field(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === 'string' && found.length > 0 ? found.slice(0, MAX_TEXT) : undefined;
}

/** The code, message and hint of any thrown value; unknown failures become `internal`. */
export function toUiError(error: unknown): UiError {
  const code = field(error, 'code') ?? ErrorCode.Internal;
  const message = field(error, 'message') ?? 'Something went wrong. Try again; if it keeps happening, check the Latchkey log.';
  const hint = field(error, 'hint');
  return hint === undefined ? { code, message } : { code, message, hint };
}

/** Runs `action` for a form that shows its own refusal: its result, or what it threw as the window shows it (no notice). */
export async function outcomeOf<T>(action: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await action() };
  } catch (error) {
    return { ok: false, error: toUiError(error) };
  }
}
