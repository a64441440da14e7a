/**
 * `latchkey connect --paste`: reads, line by line on stdin, the address the browser ended on and
 * hands the first one that is this sign-in's redirect to the wallet's loopback listener
 * (electron/wallet/oauth/paste-callback.ts checks it; the wallet then checks state, iss and code
 * as for any browser). A rejected line is explained and the next one is read.
 */
import type { ConnectProgress } from '../../shared/connections.js';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../shared/errors.js';
import { deliverPastedCallback, parsePastedAddress, pasteExpectationOf } from '../wallet/oauth/paste-callback.js';
import { writeLine, type CliIo } from './io.js';

type PasteStep = Extract<ConnectProgress, { step: 'paste' }>;

/** Resolves once an address was delivered; rejects when stdin ends first. Stops reading when `signal` aborts. */
export async function readPastedSignIn(io: CliIo, event: PasteStep, signal: AbortSignal): Promise<void> {
  const expected = pasteExpectationOf(event.authorizationUrl);
  for await (const line of readLines(io, signal)) {
    if (line.trim() === '') continue;
    try {
      await deliverPastedCallback(parsePastedAddress(line, expected));
      return;
    } catch (error) {
      if (!isLatchkeyError(error, ErrorCode.PasteRejected)) throw error;
      writeLine(io.stderr, error.message);
      if (error.hint !== undefined) writeLine(io.stderr, error.hint);
    }
  }
  if (signal.aborted) return;
  throw new LatchkeyError(ErrorCode.PasteRejected, 'Input ended before the address the browser ended on was pasted.', {
    hint: 'Run the command again and paste the whole address after signing in.',
  });
}

/** The lines of stdin (without their newline), until it ends or `signal` aborts. */
async function* readLines(io: CliIo, signal: AbortSignal): AsyncGenerator<string> {
  const chunks = io.stdin[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<string | Buffer>>((resolve) => {
    if (signal.aborted) resolve({ done: true, value: undefined });
    signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  let buffered = '';
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), aborted]);
      if (next.done === true) break;
      buffered += typeof next.value === 'string' ? next.value : next.value.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        yield buffered.slice(0, newline).replace(/\r$/u, '');
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
    }
    if (!signal.aborted && buffered !== '') yield buffered;
  } finally {
    await chunks.return?.();
  }
}
