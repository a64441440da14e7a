/** Awaits a promise that must reject with a LatchkeyError of the given code, and returns it. */
import { isLatchkeyError, type ErrorCode, type LatchkeyError } from '../../../../shared/errors.js';

export async function expectCode(promise: Promise<unknown>, ...codes: ErrorCode[]): Promise<LatchkeyError> {
  const outcome: unknown = await promise.then(
    () => new Error('resolved'),
    (error: unknown) => error,
  );
  if (isLatchkeyError(outcome) && codes.includes(outcome.code)) return outcome;
  throw new Error(`expected a LatchkeyError ${codes.join(' or ')}, got ${String(outcome)}`);
}
