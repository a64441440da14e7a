/**
 * The system browser as the elicitation tests see it: sign-in pages of the world's AS go to the
 * world's opener (it signs in and consents); every other page is recorded, and a loopback page is
 * really visited once in the world's Chromium (so a counting server sees the one request the
 * owner allowed). A counting server stands in for a payment or sign-in page (E9, B14).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Opener } from '../../../electron/base/ports.js';
import type { World } from '../../world/index.js';

export class PageOpener implements Opener {
  /** Every page opened that was not a sign-in at the world's AS, in order. */
  readonly pages: URL[] = [];
  private waiters: Array<{ count: number; resolve: (url: URL) => void }> = [];

  constructor(private readonly world: World) {}

  async open(url: URL): Promise<void> {
    if (url.origin === new URL(this.world.issuer).origin) return this.world.opener.open(url);
    this.pages.push(new URL(url.href));
    if (url.hostname === '127.0.0.1') await this.visit(url);
    for (const waiter of this.waiters.filter((w) => this.pages.length >= w.count)) waiter.resolve(this.pages[waiter.count - 1]!);
    this.waiters = this.waiters.filter((w) => this.pages.length < w.count);
  }

  /** Resolves with the next page opened from now. */
  nextPage(): Promise<URL> {
    const count = this.pages.length + 1;
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private async visit(url: URL): Promise<void> {
    const context = await this.world.chromium.newContext();
    try {
      const page = await context.newPage();
      await page.goto(url.href);
    } finally {
      await context.close();
    }
  }
}

export interface CountingServer {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** Requests seen per path. */
  count(path: string): number;
  close(): Promise<void>;
}

/** A page server that only counts: a prefetch, a preview or an image load would show up here. */
export async function startCountingServer(): Promise<CountingServer> {
  const counts = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Checkout</title><p>Thanks.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    count: (path) => counts.get(path) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
