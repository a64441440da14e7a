/**
 * Time and size caps for one fetch (threat T05, O13): a deadline that covers connecting, every
 * redirect hop and reading the body, and a body stream that errors once it exceeds its cap.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

export interface Deadline {
  /** Aborted when the deadline passes (reason: a Timeout LatchkeyError) or the caller aborts. */
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  /** Stops the timer; call once the response body is finished or abandoned. */
  clear(): void;
}

export function startDeadline(ms: number, what: string, outer?: AbortSignal | null): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(
      new LatchkeyError(ErrorCode.Timeout, `${what} did not finish within ${ms} ms.`, {
        hint: 'The server is slow or not responding; try again later.',
        details: { timeoutMs: ms },
      }),
    );
  }, ms);
  timer.unref();
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  if (outer) {
    if (outer.aborted) onOuterAbort();
    else outer.addEventListener('abort', onOuterAbort, { once: true });
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    clear() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    },
  };
}

export function tooLarge(what: string, limit: number): LatchkeyError {
  return new LatchkeyError(ErrorCode.ResponseTooLarge, `${what} sent more than ${limit} bytes.`, {
    hint: 'This is far more than any OAuth or metadata document needs; the server may be misbehaving.',
    details: { limitBytes: limit },
  });
}

/**
 * Wraps a response body: counts bytes as they arrive (after decompression), errors with
 * ResponseTooLarge past `limit`, maps a failed read through `mapError`, and clears the deadline
 * when the body ends, fails or is cancelled.
 */
export function capBody(
  source: ReadableStream<Uint8Array>,
  limit: number,
  what: string,
  deadline: Deadline,
  mapError: (cause: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (cause) {
        deadline.clear();
        throw mapError(cause);
      }
      if (chunk.done) {
        deadline.clear();
        controller.close();
        return;
      }
      total += chunk.value.byteLength;
      if (total > limit) {
        deadline.clear();
        await reader.cancel().catch(() => undefined);
        throw tooLarge(what, limit);
      }
      controller.enqueue(chunk.value);
    },
    async cancel(reason) {
      deadline.clear();
      await reader.cancel(reason).catch(() => undefined);
    },
  });
}
