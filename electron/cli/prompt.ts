/**
 * Reading secrets from the user: a hidden prompt on a terminal, or all of stdin from a pipe.
 */
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import type { CliIo } from './io.js';
import { CancelledError } from './usage-error.js';

const MAX_SECRET_BYTES = 64 * 1024;
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';

/** What a key finished: the answer (and what to echo after the question), or a cancel. */
type KeyOutcome = { answer: string; echo: string } | { cancelled: true };

/**
 * Puts a TTY stdin in raw mode, writes `question` on stderr, then reads key by key until `onKey`
 * has an outcome; the terminal leaves raw mode whatever happens. The one mechanism behind every prompt.
 */
function readKeys(io: CliIo, question: string, onKey: (char: string) => KeyOutcome | undefined): Promise<string> {
  const stdin = io.stdin;
  if (stdin.isTTY !== true || stdin.setRawMode === undefined || stdin.on === undefined || stdin.off === undefined) {
    return Promise.reject(new LatchkeyError(ErrorCode.InvalidInput, 'Cannot prompt: stdin is not a terminal.'));
  }
  const setRawMode = stdin.setRawMode.bind(stdin);
  const on = stdin.on.bind(stdin);
  const off = stdin.off.bind(stdin);
  return new Promise<string>((resolve, reject) => {
    const finish = (outcome: KeyOutcome): void => {
      off('data', onData);
      setRawMode(false);
      stdin.pause?.();
      io.stderr.write(`${'answer' in outcome ? outcome.echo : ''}\n`);
      if ('answer' in outcome) resolve(outcome.answer);
      else reject(new CancelledError());
    };
    const onData = (chunk: string | Buffer): void => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        const outcome = onKey(char);
        if (outcome !== undefined) return finish(outcome);
      }
    };
    // Raw mode (no echo) before the question shows: whoever answers as soon as it appears (a
    // person fast at the keyboard, expect, a test at a pty) must not see the answer echoed.
    setRawMode(true);
    io.stderr.write(question);
    stdin.setEncoding?.('utf8');
    on('data', onData);
    stdin.resume?.();
  });
}

/** Prompts on stderr and reads one line from a TTY stdin without echoing it. */
export function readHiddenLine(io: CliIo, question: string): Promise<string> {
  let answer = '';
  return readKeys(io, question, (char) => {
    if (char === CTRL_C || (char === CTRL_D && answer === '')) return { cancelled: true };
    if (char === '\r' || char === '\n' || char === CTRL_D) return { answer, echo: '' };
    if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
    else if (char >= ' ') answer += char;
    return undefined;
  });
}

/** Reads stdin to its end (a pipe or file), without the trailing newline. Bounded. */
export async function readAllStdin(io: CliIo, what: string): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.length > MAX_SECRET_BYTES) {
      throw new LatchkeyError(ErrorCode.InvalidInput, `The ${what} on stdin is longer than ${MAX_SECRET_BYTES} bytes.`);
    }
  }
  return text.replace(/\r?\n$/, '');
}

/** A secret from a pipe, or from a hidden prompt when stdin is a terminal. */
export async function readSecret(io: CliIo, what: string): Promise<string> {
  const secret = io.stdin.isTTY === true ? await readHiddenLine(io, `${what[0]?.toUpperCase() ?? ''}${what.slice(1)}: `) : await readAllStdin(io, what);
  if (secret === '') throw new LatchkeyError(ErrorCode.InvalidInput, `The ${what} is empty.`, { hint: `Pipe the ${what} into stdin.` });
  return secret;
}

/**
 * Asks on a TTY for one key among `choices` (Enter picks the first), echoes it and returns it.
 * Ctrl-C or Ctrl-D cancels.
 */
export function readChoice(io: CliIo, question: string, choices: readonly string[]): Promise<string> {
  const fallback = choices[0];
  if (fallback === undefined) return Promise.reject(new LatchkeyError(ErrorCode.InvalidInput, 'Cannot prompt: there is nothing to choose.'));
  return readKeys(io, question, (char) => {
    if (char === CTRL_C || char === CTRL_D) return { cancelled: true };
    if (char === '\r' || char === '\n') return { answer: fallback, echo: fallback };
    const lower = char.toLowerCase();
    return choices.includes(lower) ? { answer: lower, echo: lower } : undefined;
  });
}
