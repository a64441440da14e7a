/**
 * The wallet's side of URL elicitation for `latchkey mcp` (protocol.md E1–E3): every
 * URL a server wants the user to open goes to the wallet through the bridge (the owner decides,
 * the wallet opens the page and audits), never to the agent. This module asks the wallet and
 * tracks the server's completion notifications; the interceptor decides when to ask. Requests
 * that need the same page share one ask (shared-asks.ts), and a page the owner already let open
 * (same id, same URL) is not asked about again (T15).
 *
 * Nothing here logs a URL: debug lines name the remote's origin only.
 */
import type { ElicitationRequest, ElicitationResponse } from '../../../shared/bridge.js';
import { ErrorCode, isLatchkeyError, LatchkeyError } from '../../../shared/errors.js';
import { SharedAsks } from './shared-asks.js';

/** The bridge call the proxy needs (electron/agent/bridge-client/client.ts `elicit`); a port double in unit tests. */
export interface ElicitationPort {
  elicit(request: ElicitationRequest, signal?: AbortSignal): Promise<ElicitationResponse>;
}

export type ElicitAction = ElicitationResponse['action'];

/** One page a server wants opened. */
export interface UrlPage {
  url: string;
  message: string;
  /** 2025-11-25 only; 2026-07-28 input requests have none. */
  elicitationId?: string;
}

/** How a wait for the user ended: retry the agent's request now, or give up. */
export type WaitOutcome = 'retry' | 'give-up';

const MAX_MESSAGE = 2000;
/** How many elicitation ids the proxy remembers (oldest forgotten first). */
const MAX_KNOWN_IDS = 256;
/** When the wallet is already asking about a page, how long a request waits for the server's completion alone. */
export const DEFAULT_COMPLETION_TIMEOUT_MS = 10 * 60_000;

export interface UrlElicitationsOptions {
  port: ElicitationPort;
  /** The remote MCP server's URL (what the wallet shows and audits as the server). */
  server: string;
  /** The remote's origin, for debug lines. */
  origin: string;
  debug?: (message: string) => void;
  /** Default DEFAULT_COMPLETION_TIMEOUT_MS. */
  completionTimeoutMs?: number;
}

interface KnownId {
  completed: boolean;
  waiters: Set<() => void>;
  /** The URL (normalised) the owner let open under this id. */
  opened?: string;
}

/** What the wallet's wait ask ended with; 'busy' = refused because another wait is pending (429). */
type WaitAnswer = ElicitAction | 'busy';

export class UrlElicitations {
  /** Elicitation ids the server itself named in a URL elicitation; only these are ever completed (B14). */
  private readonly known = new Map<string, KnownId>();
  /** Open asks under way, by id and URL. */
  private readonly opens = new SharedAsks<ElicitAction>();
  /** Wait asks under way, by the set of ids they wait for. */
  private readonly waits = new SharedAsks<WaitOutcome>();

  constructor(private readonly options: UrlElicitationsOptions) {}

  /**
   * Asks the wallet whether the page may be opened (stage 'open'); the wallet opens it on accept.
   * A page with an id is asked about once: requests that need it meanwhile share the ask, and
   * once accepted it counts as accepted. Throws if the bridge fails.
   */
  async askToOpen(page: UrlPage, signal: AbortSignal): Promise<ElicitAction> {
    const id = page.elicitationId;
    if (id === undefined) return this.ask(page, signal);
    this.remember(id);
    const url = normaliseUrl(page.url);
    if (this.known.get(id)?.opened === url) {
      this.options.debug?.(`url elicitation from ${this.options.origin}: the page was already opened; not asking again`);
      return 'accept';
    }
    return this.opens.join(`${id}\n${url}`, signal, async (shared) => {
      const action = await this.ask(page, shared);
      const entry = this.known.get(id);
      if (action === 'accept' && entry !== undefined) entry.opened = url;
      return action;
    });
  }

  private async ask(page: UrlPage, signal: AbortSignal): Promise<ElicitAction> {
    this.options.debug?.(`url elicitation from ${this.options.origin}: asking the wallet`);
    const { action } = await this.options.port.elicit(this.request(page, 'open'), signal);
    this.options.debug?.(`url elicitation from ${this.options.origin}: ${action}`);
    return action;
  }

  /**
   * The pages were opened; the agent's request waits until the server says every one of `ids`
   * completed, or the user presses retry (stage 'wait' accept). Cancel or decline gives up. When
   * the completions arrive first, the wallet's wait is withdrawn (its HTTP request aborted).
   * Requests waiting for the same ids share one wait; when the wallet refuses a wait because
   * another is pending (429), the request waits for the completions alone, at most
   * completionTimeoutMs.
   */
  async waitForUser(page: UrlPage, ids: readonly string[], signal: AbortSignal): Promise<WaitOutcome> {
    if (ids.length === 0) return this.waitOnce(page, ids, signal);
    if (ids.every((id) => this.isCompleted(id))) return 'retry';
    const key = [...new Set(ids)].sort().join('\n');
    return this.waits.join(key, signal, (shared) => this.waitOnce(page, ids, shared));
  }

  private async waitOnce(page: UrlPage, ids: readonly string[], signal: AbortSignal): Promise<WaitOutcome> {
    const withdraw = new AbortController();
    const onAbort = (): void => withdraw.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const completion = ids.length === 0 ? undefined : this.whenCompleted(ids, withdraw.signal);
    completion?.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      const asked = this.askToWait(page, ids.length > 0, withdraw.signal);
      const winner = await Promise.race([asked, ...(completion === undefined ? [] : [completion.then(() => 'completed' as const)])]);
      if (winner === 'completed') {
        this.options.debug?.(`url elicitation from ${this.options.origin}: completed; withdrawing the wait`);
        asked.catch(() => undefined);
        return 'retry';
      }
      if (winner === 'busy' && completion !== undefined) {
        this.options.debug?.(`url elicitation from ${this.options.origin}: the wallet is busy with another wait; waiting for the completion alone`);
        const timeoutMs = this.options.completionTimeoutMs ?? DEFAULT_COMPLETION_TIMEOUT_MS;
        const expired = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(completionTimeout(this.options.origin)), timeoutMs);
        });
        await Promise.race([completion, expired]);
        return 'retry';
      }
      return winner === 'accept' ? 'retry' : 'give-up';
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      withdraw.abort(new DOMException('The wait is over.', 'AbortError'));
    }
  }

  /** The wallet's wait ask; with ids to wait for, a 429 is 'busy' rather than a failure. */
  private askToWait(page: UrlPage, hasIds: boolean, signal: AbortSignal): Promise<WaitAnswer> {
    return this.options.port.elicit(this.request(page, 'wait'), signal).then(
      ({ action }) => action,
      (error: unknown) => {
        if (hasIds && isLatchkeyError(error) && error.code === ErrorCode.RateLimited && !signal.aborted) return 'busy' as const;
        throw error;
      },
    );
  }

  /**
   * `notifications/elicitation/complete`: releases whatever waits on a known id. Unknown ids
   * change nothing (B14). Returns whether the id was known.
   */
  complete(elicitationId: unknown): boolean {
    if (typeof elicitationId !== 'string') return false;
    const entry = this.known.get(elicitationId);
    if (entry === undefined) {
      this.options.debug?.(`url elicitation from ${this.options.origin}: completion for an unknown id ignored`);
      return false;
    }
    entry.completed = true;
    for (const wake of entry.waiters) wake();
    entry.waiters.clear();
    return true;
  }

  /** An id the server named (in elicitation/create or a -32042 error). Bounded: the oldest are forgotten. */
  remember(elicitationId: string): void {
    if (this.known.has(elicitationId)) return;
    this.known.set(elicitationId, { completed: false, waiters: new Set() });
    while (this.known.size > MAX_KNOWN_IDS) {
      const oldest = this.known.keys().next().value;
      if (oldest === undefined) break;
      this.known.delete(oldest);
    }
  }

  isCompleted(elicitationId: string): boolean {
    return this.known.get(elicitationId)?.completed === true;
  }

  private whenCompleted(ids: readonly string[], signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entries = ids.map((id) => {
        this.remember(id);
        return this.known.get(id);
      });
      const check = (): void => {
        if (entries.every((entry) => entry?.completed === true)) {
          cleanup();
          resolve();
        }
      };
      const cleanup = (): void => {
        for (const entry of entries) entry?.waiters.delete(check);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        cleanup();
        reject(signal.reason);
      };
      for (const entry of entries) entry?.waiters.add(check);
      signal.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  private request(page: UrlPage, stage: 'open' | 'wait'): ElicitationRequest {
    return { server: this.options.server, url: normaliseUrl(page.url), message: cleanMessage(page.message), stage };
  }
}

/** The URL as `URL` serialises it (punycode host, percent-encoded), so the bridge's ASCII check passes; the wallet validates it. */
function normaliseUrl(raw: string): string {
  try {
    return new URL(raw).href;
  } catch {
    return raw;
  }
}

/** Control characters (newlines included) become spaces; bounded; never empty. */
function cleanMessage(message: string): string {
  const cleaned = message.replace(/\p{Cc}+/gu, ' ').trim().slice(0, MAX_MESSAGE);
  return cleaned === '' ? 'The server asks you to open a page.' : cleaned;
}

/** The agent's answer when the user declined, cancelled or gave up: no URL in it. */
export function declinedError(origin: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.ElicitationDeclined, `The user declined a page the MCP server at ${origin} asked them to open.`, {
    hint: 'The request was not completed; ask the user before trying again.',
  });
}

export function limitError(origin: string, rounds: number): LatchkeyError {
  return new LatchkeyError(ErrorCode.ElicitationLimit, `The MCP server at ${origin} kept asking for pages to open (${rounds} rounds); Latchkey gave up.`, {
    hint: 'Finish what the server asks in the browser, then try the request again.',
  });
}

function completionTimeout(origin: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.Timeout, `The page the MCP server at ${origin} asked to open was not finished in time.`, {
    hint: 'Finish what the server asks in the browser, then try the request again.',
  });
}

/** A bridge failure as the agent's error (never a URL in it). */
export function bridgeFailure(error: unknown): LatchkeyError {
  if (isLatchkeyError(error)) return error;
  return new LatchkeyError(ErrorCode.Unreachable, 'Could not ask the Latchkey wallet about a page the server wants opened.', { cause: error });
}

export function pagesLimitError(origin: string, pages: number): LatchkeyError {
  return new LatchkeyError(ErrorCode.ElicitationLimit, `The MCP server at ${origin} asked for more than ${pages} pages to be opened at once; Latchkey refused.`, {
    hint: 'The request was not completed; the server asks for too much at once.',
  });
}
