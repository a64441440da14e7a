/**
 * The window's live events from the headless host: GET /api/v1/events read as Server-Sent Events
 * through fetch (EventSource cannot send the session header, and the stream needs it: T31). One
 * stream for every listener, opened with the first and closed after the last; reopened with a
 * growing delay when it drops or the host is away, and then every listener is told to read its
 * collections again (events may have been missed). A 401 means the session is gone: the feed
 * stops and says so. DOM and shared/ only.
 */
import { WalletEvent } from '../../shared/api.js';
import { readBodyLines } from './body-lines.js';

/** The collections a client reads again after its event stream was down. */
const RESYNC: ReadonlyArray<Extract<WalletEvent, { type: 'changed' }>['what']> = ['connections', 'agents', 'sessions', 'grants'];

export interface EventFeedOptions {
  url: string;
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  /** The request headers (the custom header and the session), read at each (re)open. */
  headers: () => Record<string, string>;
  /** The host answered 401: the session ended. */
  onUnauthorized: () => void;
  /** First delay before reopening; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

export class EventFeed {
  private readonly listeners = new Set<(event: WalletEvent) => void>();
  private controller: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delayMs: number;
  private hadError = false;

  constructor(private readonly options: EventFeedOptions) {
    this.delayMs = options.reconnectDelayMs ?? 1_000;
  }

  add(listener: (event: WalletEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.controller === undefined && this.timer === undefined) this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private open(): void {
    const controller = new AbortController();
    this.controller = controller;
    this.run(controller).catch(() => this.dropped(controller));
  }

  private async run(controller: AbortController): Promise<void> {
    let response: Response;
    try {
      response = await this.options.fetch(this.options.url, {
        method: 'GET',
        credentials: 'omit',
        headers: { accept: 'text/event-stream', ...this.options.headers() },
        signal: controller.signal,
      });
    } catch {
      return this.dropped(controller);
    }
    if (controller.signal.aborted) return;
    if (response.status === 401) {
      this.controller = undefined;
      this.options.onUnauthorized();
      return;
    }
    if (!response.ok || response.body === null) return this.dropped(controller);
    this.delayMs = this.options.reconnectDelayMs ?? 1_000;
    if (this.hadError) {
      this.hadError = false;
      for (const what of RESYNC) this.emit({ type: 'changed', what });
    }
    await readEventStream(response.body, (data) => {
      const parsed = WalletEvent.safeParse(parseJson(data));
      if (parsed.success) this.emit(parsed.data);
    }).catch(() => undefined);
    this.dropped(controller);
  }

  /** The stream `controller` opened has ended (or never opened): try again later, unless it was stopped. */
  private dropped(controller: AbortController): void {
    if (controller.signal.aborted || this.controller !== controller) return;
    this.controller = undefined;
    this.hadError = true;
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
    this.controller?.abort();
    this.controller = undefined;
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

/** Calls `onData` with each event's data (its `data:` lines joined); comments and other fields are skipped. */
export async function readEventStream(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  let data: string[] = [];
  await readBodyLines(body, (line) => {
    if (line === '') {
      if (data.length > 0) onData(data.join('\n'));
      data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    const value = colon < 0 ? '' : line.slice(colon + 1);
    data.push(value.startsWith(' ') ? value.slice(1) : value);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
