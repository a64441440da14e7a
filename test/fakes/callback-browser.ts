/**
 * An Opener for unit tests that behaves like a browser whose AS approves at once: it reads the
 * authorization request and requests the loopback redirect URI with a code, the state and `iss`.
 * `tamper` lets a test change what the "AS" sends back.
 */
import type { Opener } from '../../electron/base/ports.js';

export interface CallbackParams {
  code?: string;
  state?: string | null;
  iss?: string | null;
  error?: string;
  error_description?: string;
}

export class CallbackBrowser implements Opener {
  readonly opened: URL[] = [];
  readonly responses: Array<{ status: number; body: string }> = [];
  tamper: ((params: CallbackParams, authorizationUrl: URL) => CallbackParams) | undefined;
  /** Visit the callback this many times (replay). */
  visits = 1;
  /** Do not visit at all (timeouts, cancel). */
  silent = false;

  constructor(private readonly issuer: string) {}

  async open(url: URL): Promise<void> {
    this.opened.push(url);
    if (this.silent) return;
    const redirect = url.searchParams.get('redirect_uri');
    if (redirect === null) throw new Error('no redirect_uri');
    let params: CallbackParams = { code: `code-${this.opened.length}`, state: url.searchParams.get('state'), iss: this.issuer };
    if (this.tamper !== undefined) params = this.tamper(params, url);
    const target = new URL(redirect);
    for (const [k, v] of Object.entries(params)) if (typeof v === 'string') target.searchParams.set(k, v);
    // Like a browser: the visit happens after open() returns.
    setImmediate(() => void this.visit(target));
  }

  private async visit(target: URL): Promise<void> {
    // Replays arrive at the same time, as a double-submitting browser or an attacker would send them.
    await Promise.all(
      Array.from({ length: this.visits }, async () => {
        try {
          const res = await fetch(target);
          this.responses.push({ status: res.status, body: await res.text() });
        } catch {
          this.responses.push({ status: 0, body: 'connection refused' });
        }
      }),
    );
  }
}
