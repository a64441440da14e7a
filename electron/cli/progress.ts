/**
 * Progress on stderr. On a terminal: a spinner line redrawn in place with the elapsed time and
 * the time left. Elsewhere (pipes, CI logs): plain lines, no control sequences.
 */
import type { ConnectProgress } from '../../shared/connections.js';
import { writeLine, type CliIo } from './io.js';
import { formatDuration } from './output.js';
import { sanitizeForTerminal } from './sanitize.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\u001b[2K';
const TICK_MS = 100;

export interface Spinner {
  stop(): void;
}

/**
 * Shows `render(elapsedMs)` with a spinner, redrawn every 100 ms on a TTY; on anything else the
 * first rendering is written once as a plain line.
 */
export function startSpinner(io: CliIo, render: (elapsedMs: number) => string): Spinner {
  const started = io.now();
  if (io.stderr.isTTY !== true) {
    writeLine(io.stderr, render(0));
    return { stop() {} };
  }
  let frame = 0;
  const draw = (): void => {
    io.stderr.write(`${CLEAR_LINE}${FRAMES[frame % FRAMES.length] ?? ''} ${render(io.now() - started)}`);
    frame += 1;
  };
  draw();
  const cancel = io.schedule(draw, TICK_MS);
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      cancel();
      io.stderr.write(CLEAR_LINE);
    },
  };
}

export interface ConnectReporter {
  handle(event: ConnectProgress): void;
  /** Stops the spinner, if one runs. Safe to call more than once. */
  stop(): void;
}

/** Turns the wallet's connect progress events into what the user sees on stderr. */
export function createConnectReporter(io: CliIo): ConnectReporter {
  let spinner: Spinner | undefined;
  let issuer: string | undefined;
  const stopSpinner = (): void => {
    spinner?.stop();
    spinner = undefined;
  };
  return {
    handle(event) {
      switch (event.step) {
        case 'probing':
          writeLine(io.stderr, `Looking up ${event.resource} …`);
          break;
        case 'discovered':
          issuer = event.issuer;
          writeLine(io.stderr, `Authorization server: ${event.issuer}`);
          break;
        case 'registered':
          writeLine(io.stderr, `Client: ${event.clientId} (${event.registration})`);
          break;
        case 'browser': {
          stopSpinner();
          writeLine(io.stderr, `Opening your browser to sign in${issuer === undefined ? '' : ` at ${issuer}`}.`);
          writeLine(io.stderr, 'If it does not open, visit this URL yourself:');
          writeLine(io.stderr);
          writeLine(io.stderr, `  ${event.authorizationUrl}`);
          writeLine(io.stderr);
          writeLine(io.stderr, 'Browser on another machine (SSH)? Press Ctrl-C and run the command again with --device or --paste.');
          const timeoutMs = event.timeoutMs;
          spinner = startSpinner(
            io,
            (elapsed) =>
              `Waiting for you to finish in the browser… ${formatDuration(elapsed)} elapsed, ` +
              `times out in ${formatDuration(timeoutMs - elapsed)} (Ctrl-C to cancel)`,
          );
          break;
        }
        case 'paste':
          stopSpinner();
          writeLine(io.stderr, `Open this URL in a browser on any machine and sign in${issuer === undefined ? '' : ` at ${issuer}`}:`);
          writeLine(io.stderr);
          writeLine(io.stderr, `  ${event.authorizationUrl}`);
          writeLine(io.stderr);
          writeLine(io.stderr, `The browser then goes to an address starting with ${event.redirectUri}; the page may fail to load, which is expected.`);
          writeLine(io.stderr, `Copy that whole address from the address bar, paste it here and press Enter (within ${formatDuration(event.timeoutMs)}):`);
          break;
        case 'device': {
          stopSpinner();
          writeLine(io.stderr, `To sign in${issuer === undefined ? '' : ` at ${issuer}`}, open ${sanitizeForTerminal(event.verificationUri)} on any device and enter the code:`);
          writeLine(io.stderr);
          writeLine(io.stderr, `  ${sanitizeForTerminal(event.userCode)}`);
          writeLine(io.stderr);
          if (event.verificationUriComplete !== undefined) {
            writeLine(io.stderr, `Or open this address, which carries the code: ${sanitizeForTerminal(event.verificationUriComplete)}`);
          }
          const expiresAt = event.expiresAt;
          spinner = startSpinner(
            io,
            (elapsed) =>
              `Waiting for you to finish on the other device… ${formatDuration(elapsed)} elapsed, ` +
              `the code expires in ${formatDuration(Math.max(0, expiresAt - io.now()))} (Ctrl-C to cancel)`,
          );
          break;
        }
        case 'exchanging':
          stopSpinner();
          writeLine(io.stderr, 'Signed in. Getting tokens …');
          break;
        case 'connected':
          stopSpinner();
          break;
      }
    },
    stop: stopSpinner,
  };
}
