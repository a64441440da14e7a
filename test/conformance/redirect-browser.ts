/**
 * The "browser" of the conformance adapter: an Opener that loads the authorization URL with a
 * plain HTTP GET and follows the harness' immediate 302 to Latchkey's loopback redirect listener.
 * The harness' authorization endpoint has no login page, so this is the whole browser round trip.
 */
import { ErrorCode, LatchkeyError } from '../../shared/errors.js';
import { isLoopbackHost } from '../../shared/url.js';
import type { Opener } from '../../electron/base/ports.js';

export interface RedirectBrowser extends Opener {
  /** Waits for every callback request this browser started (for a clean shutdown). */
  settle(): Promise<void>;
}

export function createRedirectBrowser(report: (line: string) => void): RedirectBrowser {
  const inFlight = new Set<Promise<void>>();

  /**
   * Latchkey answers the callback only after it exchanged the code, and it may wait for `open`
   * to return before it reads the callback, so the callback request runs in the background.
   */
  const deliverCallback = (callback: URL): void => {
    const delivery = fetch(callback, { redirect: 'manual' })
      .then(async (response) => {
        await response.text();
        report(`browser: loopback answered ${response.status}`);
      })
      .catch((error: unknown) => {
        report(`browser: loopback request failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => inFlight.delete(delivery));
    inFlight.add(delivery);
  };

  return {
    async open(url: URL): Promise<void> {
      report(`browser: GET ${url.origin}${url.pathname}`);
      const response = await fetch(url, { redirect: 'manual' });
      await response.text();
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || location === null) {
        throw new LatchkeyError(
          ErrorCode.AuthorizationFailed,
          `The authorization endpoint answered ${response.status} instead of redirecting back to Latchkey.`,
        );
      }
      const callback = new URL(location, url);
      if (callback.protocol !== 'http:' || !isLoopbackHost(callback.hostname)) {
        throw new LatchkeyError(ErrorCode.AuthorizationFailed, `The authorization endpoint redirected to ${callback.origin}, not to the loopback listener.`);
      }
      report(`browser: following redirect to ${callback.origin}${callback.pathname}`);
      deliverCallback(callback);
    },
    async settle(): Promise<void> {
      await Promise.all([...inFlight]);
    },
  };
}
