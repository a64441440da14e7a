/**
 * The WalletClient of the window when it is served by the headless host (`latchkey daemon`):
 * same-origin fetch with the `x-latchkey-ui` header and this tab's session header (never a
 * cookie: T31), `connect` read as NDJSON, live events read from the SSE stream through fetch
 * (event-feed.ts). Every result is validated with the contract; errors arrive as LatchkeyError
 * with code and hint. A 401 ends the session: the slot is cleared and `onSignedOut` is told once.
 * DOM and shared/ only.
 */
import { OwnerMethods, type ConnectParams, type OwnerMethodName, type OwnerParams, type OwnerResult, type WalletClient } from '../../shared/api.js';
import { ConnectionSummary, type ConnectProgress } from '../../shared/connections.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import { EventFeed } from './event-feed.js';
import { SESSION_HEADER, UI_HEADER, type SessionSlot } from './owner-session.js';
import { readBodyLines } from './body-lines.js';

export { UI_HEADER } from './owner-session.js';
const API = '/api/v1';
const SIGN_IN_HINT = 'Get a new sign-in link: run `latchkey ui` in a terminal (add --open to open it).';

export interface HttpWalletClientOptions {
  /** Where the host is; default: this page's origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** This tab's session (sent as a header on every call); without one, calls carry none and are refused. */
  session?: SessionSlot;
  /** Called once when the host says this tab's session is gone (401). */
  onSignedOut?: () => void;
  /** First delay before reopening a closed event stream; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

interface WireError {
  code: string;
  message: string;
  hint?: string;
}

export function createHttpWalletClient(options: HttpWalletClientOptions = {}): WalletClient {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  let signedOut = false;
  const headers = (): Record<string, string> => {
    const session = options.session?.read();
    return { [UI_HEADER]: '1', ...(session === undefined ? {} : { [SESSION_HEADER]: session }) };
  };
  const endSession = (): void => {
    options.session?.clear();
    if (signedOut) return;
    signedOut = true;
    options.onSignedOut?.();
  };
  const events = new EventFeed({
    url: `${base}${API}/events`,
    fetch: doFetch,
    headers,
    onUnauthorized: endSession,
    ...(options.reconnectDelayMs === undefined ? {} : { reconnectDelayMs: options.reconnectDelayMs }),
    ...(options.maxReconnectDelayMs === undefined ? {} : { maxReconnectDelayMs: options.maxReconnectDelayMs }),
  });

  async function post(path: string, body: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(`${base}${API}${path}`, {
        method: 'POST',
        credentials: 'omit',
        headers: { 'content-type': 'application/json', ...headers() },
        body: JSON.stringify(body),
      });
    } catch {
      throw new LatchkeyError(ErrorCode.BridgeNotRunning, 'Latchkey is not answering.', { hint: 'Check that `latchkey daemon` is still running, then reload.' });
    }
    if (response.status === 401) endSession();
    return response;
  }

  return {
    async call<M extends OwnerMethodName>(method: M, params: OwnerParams<M>): Promise<OwnerResult<M>> {
      const response = await post(`/call/${method}`, params);
      const body = await readJson(response);
      if (!response.ok || body.error !== undefined) throw fromWire(body.error, response.status);
      const result = OwnerMethods[method].result.safeParse(body.result);
      if (!result.success) throw new LatchkeyError(ErrorCode.BadResponse, `Latchkey answered ${method} with something unexpected.`);
      return result.data as OwnerResult<M>;
    },

    async connect(params: ConnectParams, onProgress: (progress: ConnectProgress) => void) {
      const response = await post('/connect', params);
      if (!response.ok || response.body === null) throw fromWire((await readJson(response)).error, response.status);
      let final: ConnectionSummary | undefined;
      let failure: WireError | undefined;
      await readLines(response.body, (line) => {
        const message = parseJson(line) as { progress?: ConnectProgress; result?: unknown; error?: WireError } | undefined;
        if (message === undefined) return;
        if (isProgress(message.progress)) onProgress(message.progress);
        if (message.result !== undefined) final = ConnectionSummary.parse(message.result);
        if (message.error !== undefined) failure = message.error;
      });
      if (final !== undefined) return final;
      throw fromWire(failure, 0);
    },

    subscribe: (listener) => events.add(listener),
  };
}

async function readJson(response: Response): Promise<{ result?: unknown; error?: WireError }> {
  const text = await response.text().catch(() => '');
  const parsed = parseJson(text);
  return typeof parsed === 'object' && parsed !== null ? (parsed as { result?: unknown; error?: WireError }) : {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isProgress(value: unknown): value is ConnectProgress {
  return typeof value === 'object' && value !== null && typeof (value as { step?: unknown }).step === 'string';
}

/** Calls `onLine` for each non-empty line of an NDJSON body. */
function readLines(body: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  return readBodyLines(body, (line) => {
    const trimmed = line.trim();
    if (trimmed !== '') onLine(trimmed);
  });
}

function fromWire(error: WireError | undefined, status: number): LatchkeyError {
  if (error === undefined || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return new LatchkeyError(ErrorCode.BadResponse, `Latchkey gave no usable answer (HTTP ${status}).`);
  }
  const hint = typeof error.hint === 'string' ? error.hint : status === 401 ? SIGN_IN_HINT : undefined;
  return new LatchkeyError(error.code as ErrorCode, error.message, hint === undefined ? {} : { hint });
}
