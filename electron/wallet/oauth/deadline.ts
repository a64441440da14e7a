/**
 * One time budget for a whole discovery (protocol.md P6): the probe, the protected resource
 * metadata and the authorization server metadata share it, however many URLs they try. Each
 * request still has the guarded fetch's own deadline; this one caps their sum, so a slow
 * authorization server costs the budget, not one fetch timeout per candidate URL.
 *
 * The signal goes into every fetch (`init.signal`); the guarded fetch rethrows its reason, a
 * DiscoveryTimeout error, so the step that was running ends with it.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 15_000;

export interface DiscoveryDeadline {
  /** Aborted when the budget is spent (reason: a DiscoveryTimeout error) or the caller aborts (its reason). */
  readonly signal: AbortSignal;
  /** Stops the timer and lets go of the caller's signal; call once discovery has ended. */
  clear(): void;
}

/** Starts the budget for discovering `subject` (shown in the error); `outer` is the caller's own cancel. */
export function startDiscoveryDeadline(subject: string, ms: number = DEFAULT_DISCOVERY_TIMEOUT_MS, outer?: AbortSignal): DiscoveryDeadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(discoveryTimeout(subject, ms)), ms);
  timer.unref();
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  if (outer !== undefined) {
    if (outer.aborted) onOuterAbort();
    else outer.addEventListener('abort', onOuterAbort, { once: true });
  }
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}

export function discoveryTimeout(subject: string, ms: number): LatchkeyError {
  return new LatchkeyError(ErrorCode.DiscoveryTimeout, `Discovering how to sign in to ${subject} took longer than ${Math.round(ms / 1000)} s; Latchkey gave up.`, {
    hint: 'The server or its authorization server is slow or not answering; try again later, or check the URL.',
    details: { timeoutMs: ms },
  });
}
