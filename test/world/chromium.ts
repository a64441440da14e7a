/**
 * One headless Debian Chromium per world, launched on first use through playwright-core. Every
 * browser context it hands out may reach loopback hosts only: other requests are aborted, so
 * nothing leaves the machine (oidc-provider-style pages may reference web fonts).
 */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { isLoopbackHost } from '../../shared/url.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Debian Chromium headless with the switches every test uses (no sandbox, no GPU, no traffic of its own), and `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = [], executablePath: string = CHROMIUM_PATH): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export class ChromiumHost {
  /** Non-loopback URLs some page tried to load (all were aborted). */
  readonly blockedRequests: string[] = [];
  private launching: Promise<Browser> | undefined;
  private closed = false;

  constructor(private readonly executablePath: string = CHROMIUM_PATH) {}

  /** True once Chromium has been asked to start. */
  get launched(): boolean {
    return this.launching !== undefined;
  }

  /** A new, empty context (fresh cookies) whose requests are confined to loopback. */
  async newContext(): Promise<BrowserContext> {
    const browser = await this.launch();
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (isLoopbackUrl(url)) {
        await route.continue();
        return;
      }
      this.blockedRequests.push(url);
      await route.abort('blockedbyclient');
    });
    return context;
  }

  async close(): Promise<void> {
    this.closed = true;
    const launching = this.launching;
    this.launching = undefined;
    if (launching === undefined) return;
    const browser = await launching.catch(() => undefined);
    await browser?.close();
  }

  private launch(): Promise<Browser> {
    if (this.closed) return Promise.reject(new Error('The test world browser is closed.'));
    this.launching ??= launchChromium([], this.executablePath);
    return this.launching;
  }
}

function isLoopbackUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}
