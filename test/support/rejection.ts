/** What a call that must fail failed with: the LatchkeyError itself, or just its code. */
import { isLatchkeyError, type LatchkeyError } from '../../shared/errors.js';

/** Awaits a promise that must reject with a LatchkeyError (any code), and returns it. */
export async function rejection(promise: Promise<unknown>): Promise<LatchkeyError> {
  try {
    await promise;
  } catch (error) {
    if (isLatchkeyError(error)) return error;
    throw new Error(`expected a LatchkeyError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}

/** The code a promise rejects with: undefined when it resolves, 'not-a-latchkey-error' for any other error. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isLatchkeyError(error) ? error.code : 'not-a-latchkey-error';
  }
}

/** The same for a call that throws at once. */
export function thrownCode(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isLatchkeyError(error) ? error.code : 'not-a-latchkey-error';
  }
}
