/**
 * An Opener (electron/base/ports.ts) backed by real Chromium: it opens the authorization URL in a
 * new page, signs in on the test AS's login form, allows or denies consent, and lets the AS
 * redirect to the client's loopback redirect_uri. The client's own listener then answers the
 * browser, exactly as with a person at the keyboard.
 *
 * `open()` resolves once the page has been created and the navigation started (like xdg-open);
 * the rest of the flow runs in the background and is observed with `flow(i)`/`nextFlow()`.
 */
import type { BrowserContext, Page, Request } from 'playwright-core';
import type { Opener } from '../../electron/base/ports.js';
import { DEFAULT_PASSWORD } from './authorization-server.js';
import type { ChromiumHost } from './chromium.js';

export interface BrowserBehaviour {
  /** Username typed on the login form; it becomes the token's `sub` (default 'alice'). */
  username: string;
  /** Password typed on the login form (default the AS's DEFAULT_PASSWORD). */
  password: string;
  /** Which consent button to press (default 'approve'). */
  consent: 'approve' | 'deny';
  /** Deadline for one flow, from open() to reaching the redirect_uri (default 20 s). */
  flowTimeoutMs: number;
  /** Reuse one browser context (cookies, AS session) for all flows (default false: a fresh one per flow). */
  shareSession: boolean;
}

export interface BrowserFlowResult {
  /** Where the AS sent the browser: the redirect_uri with code/state/iss (or error). */
  redirectedTo: URL;
  /** Visible text of the page the client's callback served ('' if none could be read). */
  pageText: string;
  /** The AS pages the browser went through, in order: 'login', 'consent', 'other'. */
  steps: string[];
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

const MAX_STEPS = 10;

export class BrowserOpener implements Opener {
  /** Every URL passed to open(), in order. */
  readonly opened: URL[] = [];
  /** Flows that failed (also delivered through their flow promise). */
  readonly failures: Error[] = [];
  behaviour: BrowserBehaviour;
  private readonly flows: Deferred<BrowserFlowResult>[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly contexts = new Set<BrowserContext>();
  private sharedContext: Promise<BrowserContext> | undefined;
  private closed = false;

  constructor(
    private readonly chromium: ChromiumHost,
    behaviour: Partial<BrowserBehaviour> = {},
  ) {
    this.behaviour = {
      username: 'alice',
      password: DEFAULT_PASSWORD,
      consent: 'approve',
      flowTimeoutMs: 20_000,
      shareSession: false,
      ...behaviour,
    };
  }

  async open(url: URL): Promise<void> {
    if (this.closed) throw new Error('The test world browser is closed.');
    const index = this.opened.length;
    this.opened.push(new URL(url.href));
    const flow = this.deferredFlow(index);
    const behaviour = { ...this.behaviour };
    try {
      const context = await this.contextFor(behaviour);
      const page = await context.newPage();
      const run = runFlow(page, url, behaviour)
        .then(flow.resolve, (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          this.failures.push(failure);
          flow.reject(failure);
        })
        .finally(async () => {
          await page.close().catch(() => undefined);
          if (!behaviour.shareSession) await context.close().catch(() => undefined);
        });
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    } catch (error) {
      flow.reject(error);
      throw error;
    }
  }

  /** The result of the index-th open() (0-based), waiting for that open() if needed. */
  flow(index: number): Promise<BrowserFlowResult> {
    return this.deferredFlow(index).promise;
  }

  /** The result of the next open() from now. Call it before starting the client. */
  nextFlow(): Promise<BrowserFlowResult> {
    return this.flow(this.opened.length);
  }

  /** The result of the latest open(). */
  lastFlow(): Promise<BrowserFlowResult> {
    if (this.opened.length === 0) return Promise.reject(new Error('No URL has been opened yet.'));
    return this.flow(this.opened.length - 1);
  }

  /** Ends running flows (they fail) and closes the browser contexts. Chromium itself belongs to ChromiumHost. */
  async close(): Promise<void> {
    this.closed = true;
    this.sharedContext = undefined;
    await Promise.all([...this.contexts].map((context) => context.close().catch(() => undefined)));
    await Promise.all([...this.running]);
  }

  private contextFor(behaviour: BrowserBehaviour): Promise<BrowserContext> {
    if (!behaviour.shareSession) return this.newTrackedContext();
    this.sharedContext ??= this.newTrackedContext();
    return this.sharedContext;
  }

  private async newTrackedContext(): Promise<BrowserContext> {
    const context = await this.chromium.newContext();
    this.contexts.add(context);
    context.on('close', () => this.contexts.delete(context));
    return context;
  }

  private deferredFlow(index: number): Deferred<BrowserFlowResult> {
    let flow = this.flows[index];
    if (flow === undefined) {
      flow = createDeferred<BrowserFlowResult>();
      // A flow nobody awaits must not become an unhandled rejection; awaiting callers still see it.
      flow.promise.catch(() => undefined);
      this.flows[index] = flow;
    }
    return flow;
  }
}

/** Drives one authorization flow in `page` until the browser is sent to the redirect target. */
async function runFlow(page: Page, url: URL, behaviour: BrowserBehaviour): Promise<BrowserFlowResult> {
  const redirect = watchForRedirect(page, url);
  const deadline = startDeadline(behaviour.flowTimeoutMs);
  const steps: string[] = [];
  try {
    await settle(page.goto(url.href), redirect.reached, deadline.expired);
    let loginAttempts = 0;
    while (redirect.request === undefined) {
      if (deadline.isExpired() || steps.length >= MAX_STEPS) {
        throw new Error(`The browser flow did not reach the redirect_uri (steps: ${steps.join(' → ') || 'none'}); last page ${page.url()}: ${await readText(page)}`);
      }
      const kind = await readPageKind(page);
      steps.push(kind);
      if (kind === 'error') throw new Error(`The authorization server showed an error page: ${await readText(page)}`);
      const nextLoad = page.waitForEvent('load', { timeout: 0 }).catch(() => undefined);
      if (kind === 'login') {
        loginAttempts += 1;
        if (loginAttempts > 1) throw new Error(`The authorization server rejected the login for ${behaviour.username}.`);
        await page.fill('input[name="username"]', behaviour.username);
        await page.fill('input[name="password"]', behaviour.password);
        await page.click('button[type="submit"]');
      } else if (kind === 'consent') {
        await page.click(`button[name="decision"][value="${behaviour.consent}"]`);
      }
      await settle(nextLoad, redirect.reached, deadline.expired);
    }
    return { redirectedTo: new URL(redirect.request.url()), pageText: await readCallbackText(page, redirect.request), steps };
  } finally {
    deadline.cancel();
    redirect.stop();
  }
}

interface RedirectWatch {
  request: Request | undefined;
  reached: Promise<void>;
  stop(): void;
}

/** Resolves when the main frame navigates to the request's redirect_uri (or, lacking one, to another origin). */
function watchForRedirect(page: Page, url: URL): RedirectWatch {
  const redirectUri = url.searchParams.get('redirect_uri');
  const target = redirectUri === null ? undefined : safeUrl(redirectUri);
  const matches = (candidate: URL): boolean =>
    target === undefined
      ? candidate.origin !== url.origin
      : candidate.origin === target.origin && candidate.pathname === target.pathname;
  const reached = createDeferred<void>();
  const watch: RedirectWatch = {
    request: undefined,
    reached: reached.promise,
    stop: () => page.off('request', onRequest),
  };
  function onRequest(request: Request): void {
    if (watch.request !== undefined || !request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
    const candidate = safeUrl(request.url());
    if (candidate !== undefined && matches(candidate)) {
      watch.request = request;
      reached.resolve();
    }
  }
  page.on('request', onRequest);
  return watch;
}

async function readCallbackText(page: Page, request: Request): Promise<string> {
  const response = await request.response().catch(() => null);
  if (response === null) return '';
  await page.waitForLoadState('domcontentloaded', { timeout: 5_000 }).catch(() => undefined);
  return readText(page);
}

async function readPageKind(page: Page): Promise<string> {
  const kind = await page.getAttribute('body', 'data-world-page', { timeout: 2_000 }).catch(() => null);
  return kind === 'login' || kind === 'consent' || kind === 'error' ? kind : 'other';
}

async function readText(page: Page): Promise<string> {
  const text = await page.locator('body').innerText({ timeout: 2_000 }).catch(() => '');
  return text.trim().slice(0, 2_000);
}

/** Waits for the first of: the action, the redirect, the deadline. Action errors are ignored (the redirect or the deadline decides). */
async function settle(action: Promise<unknown>, reached: Promise<void>, expired: Promise<void>): Promise<void> {
  await Promise.race([action.catch(() => undefined), reached, expired]);
}

interface Deadline {
  expired: Promise<void>;
  isExpired(): boolean;
  cancel(): void;
}

function startDeadline(ms: number): Deadline {
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      expired = true;
      resolve();
    }, ms);
  });
  return { expired: promise, isExpired: () => expired, cancel: () => clearTimeout(timer) };
}

function createDeferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
