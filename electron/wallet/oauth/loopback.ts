/**
 * The one-shot loopback redirect listener of a single authorization flow (RFC 8252 §7.3,
 * protocol.md A2/A3, threats T01/T02). It binds 127.0.0.1 (or [::1] when IPv4 loopback is
 * unavailable), never 0.0.0.0; it accepts exactly one callback carrying the expected `state`, and
 * it is closed after that callback, on timeout and on cancel. Callbacks with a wrong or missing
 * state get a 400 page and change nothing: the flow keeps waiting for the real one.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { nodeHttp } from '../../base/net/node-http.js';
import type { AddressInfo } from 'node:net';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { LOOPBACK_PAGE_CSP, renderLoopbackPage, type LoopbackPage } from './loopback-page.js';

export const CALLBACK_PATH = '/callback';

export interface LoopbackCallback {
  /** The full callback URL as the browser requested it, on our own origin. */
  url: URL;
  /** Sends the final page to the browser and closes the listener. */
  finish(page: LoopbackPage): Promise<void>;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface LoopbackListener {
  readonly redirectUri: string;
  readonly host: '127.0.0.1' | '::1';
  readonly port: number;
  /** Resolves with the first callback whose `state` equals `expectedState`. Single use. */
  waitForCallback(expectedState: string, options: WaitOptions): Promise<LoopbackCallback>;
  /** Number of callbacks refused so far (wrong, missing or replayed state). */
  readonly refused: number;
  readonly closed: boolean;
  close(): Promise<void>;
}

export interface OpenLoopbackOptions {
  /** Try this port first (the one a DCR registration names); fall back to an ephemeral port. */
  preferredPort?: number | undefined;
  /** Bind exactly 127.0.0.1:<port> (`--callback-port`) and nothing else: a taken port is CallbackPortInUse, never a fallback. */
  exactPort?: number | undefined;
}

export async function openLoopbackListener(options: OpenLoopbackOptions = {}): Promise<LoopbackListener> {
  const server = nodeHttp.createServer();
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  const { host, port } = options.exactPort === undefined ? await bindLoopback(server, options.preferredPort) : await bindExactly(server, options.exactPort);
  return new OneShotListener(server, host, port);
}

class OneShotListener implements LoopbackListener {
  readonly redirectUri: string;
  refused = 0;
  closed = false;
  private waiting: { state: string; resolve: (cb: LoopbackCallback) => void } | undefined;
  private consumed = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    readonly host: '127.0.0.1' | '::1',
    readonly port: number,
  ) {
    this.redirectUri = `http://${host === '::1' ? '[::1]' : host}:${port}${CALLBACK_PATH}`;
    server.on('request', (req, res) => this.onRequest(req, res));
  }

  waitForCallback(expectedState: string, options: WaitOptions): Promise<LoopbackCallback> {
    if (this.waiting !== undefined || this.consumed) throw new Error('waitForCallback is single-use');
    return new Promise<LoopbackCallback>((resolve, reject) => {
      const finishWith = (error: LatchkeyError): void => {
        cleanup();
        void this.close();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          finishWith(
            new LatchkeyError(ErrorCode.AuthorizationTimeout, `The browser sign-in did not finish within ${Math.round(options.timeoutMs / 1000)} s.`, {
              hint: 'Run the command again and complete the sign-in in the browser, or raise --timeout.',
            }),
          ),
        options.timeoutMs,
      );
      const onAbort = (): void =>
        finishWith(new LatchkeyError(ErrorCode.AuthorizationCancelled, 'The browser sign-in was cancelled.'));
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.waiting = undefined;
      };
      if (options.signal?.aborted === true) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting = {
        state: expectedState,
        resolve: (callback) => {
          cleanup();
          resolve(callback);
        },
      };
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.closed = true;
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    return this.closing;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.redirectUri);
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      send(res, { status: 404, title: 'Not found', message: 'This address only receives sign-in results for Latchkey.' });
      return;
    }
    const state = url.searchParams.get('state');
    const waiting = this.waiting;
    if (this.consumed || waiting === undefined || state === null || state !== waiting.state) {
      this.refused += 1;
      send(res, {
        status: 400,
        title: 'Sign-in not accepted',
        message: this.consumed
          ? 'This sign-in result was already used. Nothing was changed.'
          : 'This sign-in result does not belong to the sign-in Latchkey is waiting for. Nothing was changed.',
      });
      return;
    }
    this.consumed = true;
    let finished = false;
    waiting.resolve({
      url,
      finish: async (page) => {
        if (finished) return;
        finished = true;
        send(res, page);
        await this.close();
      },
    });
  }
}

function send(res: ServerResponse, page: LoopbackPage): void {
  res.writeHead(page.status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': LOOPBACK_PAGE_CSP,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
  });
  res.end(renderLoopbackPage(page));
}

async function bindLoopback(server: Server, preferredPort: number | undefined): Promise<{ host: '127.0.0.1' | '::1'; port: number }> {
  const attempts: Array<['127.0.0.1' | '::1', number]> = [];
  if (preferredPort !== undefined) attempts.push(['127.0.0.1', preferredPort]);
  attempts.push(['127.0.0.1', 0], ['::1', 0]);
  let lastError: unknown;
  for (const [host, port] of attempts) {
    try {
      await listen(server, host, port);
      return { host, port: (server.address() as AddressInfo).port };
    } catch (error) {
      lastError = error;
    }
  }
  throw new LatchkeyError(ErrorCode.AuthorizationFailed, 'Could not open a loopback port for the browser redirect.', {
    hint: 'Check that 127.0.0.1 is available on this machine.',
    cause: lastError,
  });
}

async function bindExactly(server: Server, port: number): Promise<{ host: '127.0.0.1'; port: number }> {
  try {
    await listen(server, '127.0.0.1', port);
    return { host: '127.0.0.1', port };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new LatchkeyError(ErrorCode.CallbackPortInUse, `The sign-in callback port 127.0.0.1:${port} is already in use, and this connection is set to use exactly that port.`, {
        hint: `Stop whatever listens on port ${port} (another sign-in still waiting?), or choose another with --callback-port (the server must accept its redirect URI).`,
        details: { port },
        cause: error,
      });
    }
    throw new LatchkeyError(ErrorCode.AuthorizationFailed, `Could not listen on 127.0.0.1:${port} for the sign-in callback${code === undefined ? '' : ` (${code})`}.`, {
      hint: code === 'EACCES' ? 'Ports below 1024 need privileges: choose a port above 1023 with --callback-port.' : 'Choose another port with --callback-port.',
      details: { port },
      cause: error,
    });
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}
