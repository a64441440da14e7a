/**
 * A browser on another machine, as over SSH: Chromium signs in on the AS pages, but the redirect
 * to the client's loopback redirect_uri reaches nothing (it is refused, as 127.0.0.1 on the
 * user's laptop would be). The driver returns the address the browser ended on, which the user
 * would copy from the address bar.
 */
import type { Page, Route } from 'playwright-core';
import type { ChromiumHost } from './chromium.js';
import { DEFAULT_PASSWORD } from './authorization-server.js';

export interface RemoteSignIn {
  username?: string;
  password?: string;
  consent?: 'approve' | 'deny';
}

/** Signs in at `authorizationUrl`; resolves with the redirect address the browser could not load. */
export async function signInElsewhere(chromium: ChromiumHost, authorizationUrl: string, input: RemoteSignIn = {}, timeoutMs = 20_000): Promise<URL> {
  const redirect = new URL(new URL(authorizationUrl).searchParams.get('redirect_uri') ?? 'http://127.0.0.1/callback');
  const context = await chromium.newContext();
  let endedOn!: (url: URL) => void;
  const reached = new Promise<URL>((resolve) => (endedOn = resolve));
  const isRedirect = (url: URL): boolean => url.origin === redirect.origin && url.pathname === redirect.pathname;
  const asOrigin = new URL(authorizationUrl).origin;
  try {
    // Redirect hops are not routed, so the AS's own answers are fetched here without following
    // them: a redirect to the loopback redirect_uri is where this browser's trip ends.
    await context.route(
      (url) => url.origin === asOrigin || isRedirect(url),
      async (route: Route) => {
        const url = new URL(route.request().url());
        if (isRedirect(url)) {
          endedOn(url);
          await route.abort('connectionrefused');
          return;
        }
        let response = await route.fetch({ maxRedirects: 0 });
        for (let hop = 0; hop < 5; hop += 1) {
          const location = response.headers()['location'];
          if (response.status() < 300 || response.status() >= 400 || location === undefined) break;
          const target = new URL(location, response.url());
          if (isRedirect(target)) {
            endedOn(target);
            await route.fulfill({ status: 200, contentType: 'text/html', body: '<body data-world-page="unreachable">This site cannot be reached</body>' });
            return;
          }
          if (target.origin !== asOrigin) break;
          // Followed here (with the context's cookies): the browser would follow it unrouted.
          response = await context.request.get(target.href, { maxRedirects: 0 });
        }
        await route.fulfill({ response });
      },
    );
    const tab = await context.newPage();
    tab.setDefaultTimeout(timeoutMs);
    await tab.goto(authorizationUrl).catch(() => undefined);
    const walking = walk(tab, input, reached);
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the remote sign-in did not reach the redirect')), timeoutMs).unref());
    return await Promise.race([reached, walking.then(() => reached), timer]);
  } finally {
    await context.close().catch(() => undefined);
  }
}

async function walk(tab: Page, input: RemoteSignIn, reached: Promise<URL>): Promise<void> {
  let done = false;
  void reached.then(() => (done = true));
  for (let i = 0; i < 6 && !done; i += 1) {
    const kind = await tab.getAttribute('body', 'data-world-page', { timeout: 5_000 }).catch(() => null);
    if (done) return;
    const next = tab.waitForEvent('load').catch(() => undefined);
    if (kind === 'login') {
      await tab.fill('input[name="username"]', input.username ?? 'alice');
      await tab.fill('input[name="password"]', input.password ?? DEFAULT_PASSWORD);
      await tab.click('button[type="submit"]');
    } else if (kind === 'consent') {
      await tab.click(`button[name="decision"][value="${input.consent ?? 'approve'}"]`);
    } else {
      return;
    }
    await Promise.race([next, reached]);
  }
}
