/**
 * The test process's side of test/world/browser-relay.mjs: a loopback endpoint that receives the
 * URL a child process (the CLI under test) wants opened and hands it to an Opener (real Chromium).
 * The endpoint path carries a random secret so no other local process can drive the browser.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Opener } from '../../electron/base/ports.js';
import { listenOnLoopback } from './http.js';

export const BROWSER_RELAY_SCRIPT = fileURLToPath(new URL('./browser-relay.mjs', import.meta.url));
const MAX_BODY = 16 * 1024;
const bodySchema = z.object({ url: z.string().min(1).max(8 * 1024) });

export interface BrowserRelayEndpoint {
  /** The URL the relay script posts to (LATCHKEY_TEST_BROWSER_RELAY). */
  readonly url: string;
  /** URLs received from relay scripts, in order. */
  readonly received: readonly string[];
  /** `BROWSER` and `LATCHKEY_TEST_BROWSER_RELAY` for a child process. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export async function startBrowserRelayEndpoint(opener: Opener): Promise<BrowserRelayEndpoint> {
  const secretPath = `/relay/${randomBytes(16).toString('hex')}`;
  const received: string[] = [];
  const listener = await listenOnLoopback((req, res) => {
    void handleRelayRequest(req, res, secretPath, received, opener);
  });
  const url = `${listener.origin}${secretPath}`;
  return {
    url,
    received,
    env: () => ({ BROWSER: `${process.execPath} ${BROWSER_RELAY_SCRIPT}`, LATCHKEY_TEST_BROWSER_RELAY: url }),
    close: () => listener.close(),
  };
}

async function handleRelayRequest(
  req: IncomingMessage,
  res: ServerResponse,
  secretPath: string,
  received: string[],
  opener: Opener,
): Promise<void> {
  try {
    if (req.method !== 'POST' || req.url !== secretPath) {
      res.writeHead(404).end();
      return;
    }
    const parsed = bodySchema.safeParse(JSON.parse(await readBody(req)));
    const url = parsed.success ? URL.parse(parsed.data.url) : null;
    if (url === null) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('expected {"url": "<absolute URL>"}');
      return;
    }
    received.push(url.href);
    await opener.open(url);
    res.writeHead(204).end();
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
