/**
 * The WalletClient of the window when it is served by the headless host (`latchkey daemon`):
 * same-origin fetch with the session cookie and the `x-latchkey-ui` header, `connect` read as
 * NDJSON, live events over EventSource (reopened after the host restarts or the stream drops).
 * Every result is validated with the contract; errors arrive as LatchkeyError with code and hint.
 * DOM and shared/ only.
 */
import { OwnerMethods, WalletEvent, type ConnectParams, type OwnerMethodName, type OwnerParams, type OwnerResult, type WalletClient } from '../../shared/api.js';
import { ConnectionSummary, type ConnectProgress } from '../../shared/connections.js';
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';

export const UI_HEADER = 'x-latchkey-ui';
const API = '/api/v1';

/** The collections a client reads again after its event stream was down (events may have been missed). */
const RESYNC: ReadonlyArray<Extract<WalletEvent, { type: 'changed' }>['what']> = ['connections', 'agents', 'sessions', 'grants'];

export interface HttpWalletClientOptions {
  /** Where the host is; default: this page's origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
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
  const events = new EventFeed(`${base}${API}/events`, options);

  async function post(path: string, body: unknown): Promise<Response> {
    try {
      return await doFetch(`${base}${API}${path}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', [UI_HEADER]: '1' },
        body: JSON.stringify(body),
      });
    } catch {
      throw new LatchkeyError(ErrorCode.BridgeNotRunning, 'Latchkey is not answering.', { hint: 'Check that `latchkey daemon` is still running, then reload.' });
    }
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

/** One EventSource shared by every listener: opened with the first, closed after the last. */
class EventFeed {
  private readonly listeners = new Set<(event: WalletEvent) => void>();
  private source: EventSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delayMs: number;
  private hadError = false;

  constructor(
    private readonly url: string,
    private readonly options: HttpWalletClientOptions,
  ) {
    this.delayMs = options.reconnectDelayMs ?? 1_000;
  }

  add(listener: (event: WalletEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.source === undefined && this.timer === undefined) this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private open(): void {
    const Source = this.options.EventSource ?? EventSource;
    const source = new Source(this.url, { withCredentials: false });
    this.source = source;
    source.onopen = () => {
      this.delayMs = this.options.reconnectDelayMs ?? 1_000;
      if (!this.hadError) return;
      this.hadError = false;
      for (const what of RESYNC) this.emit({ type: 'changed', what });
    };
    source.onmessage = (message: { data: unknown }) => {
      const parsed = WalletEvent.safeParse(typeof message.data === 'string' ? parseJson(message.data) : undefined);
      if (parsed.success) this.emit(parsed.data);
    };
    source.onerror = () => {
      this.hadError = true;
      // The browser retries by itself while it can; once it gives up (e.g. 401 after a restart) we retry.
      if (source.readyState !== source.CLOSED) return;
      source.close();
      this.source = undefined;
      this.schedule();
    };
  }

  private schedule(): void {
    const delay = this.delayMs;
    this.delayMs = Math.min(delay * 2, this.options.maxReconnectDelayMs ?? 30_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.listeners.size > 0) this.open();
    }, delay);
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.source?.close();
    this.source = undefined;
    this.hadError = false;
  }

  private emit(event: WalletEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One listener's failure never stops the others.
      }
    }
  }
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
async function readLines(body: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    buffered += done ? decoder.decode() : decoder.decode(value, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') onLine(line);
      newline = buffered.indexOf('\n');
    }
    if (done) break;
  }
  if (buffered.trim() !== '') onLine(buffered.trim());
}

function fromWire(error: WireError | undefined, status: number): LatchkeyError {
  if (error === undefined || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return new LatchkeyError(ErrorCode.BadResponse, `Latchkey gave no usable answer (HTTP ${status}).`);
  }
  const hint = typeof error.hint === 'string' ? error.hint : status === 401 ? 'Open the one-time link the daemon printed.' : undefined;
  return new LatchkeyError(error.code as ErrorCode, error.message, hint === undefined ? {} : { hint });
}
