/** Awaits a promise that must reject with a LatchkeyError (any code), and returns it. */
import { isLatchkeyError, type LatchkeyError } from '../../shared/errors.js';

export async function rejection(promise: Promise<unknown>): Promise<LatchkeyError> {
  try {
    await promise;
  } catch (error) {
    if (isLatchkeyError(error)) return error;
    throw new Error(`expected a LatchkeyError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}
