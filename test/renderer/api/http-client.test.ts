// @vitest-environment node
/**
 * renderer/api/http-client.ts in real Chromium against the real headless host: the client is
 * bundled with esbuild and served as the window's only script (under the host's CSP), the page
 * signs in through the one-time link as main.tsx does (owner-session.ts: the fragment's token
 * traded for a session in sessionStorage), then calls methods, gets errors with code and hint,
 * streams connect, receives live events, stays signed in across a reload, and learns when its
 * session is gone.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { launchChromium } from '../../world/chromium.js';
import { startHostFixture, RESOURCE, type HostFixture } from '../../electron/wallet/host/support.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** The page's script: the client as pickWalletClient gives it in a browser, with helpers for the test. */
const HARNESS = `
import { pickWalletClient } from './renderer/api/client.ts';
import { sessionSlot, signIn, takeSignInToken } from './renderer/api/owner-session.ts';
const token = takeSignInToken(location, history);
const session = sessionSlot(sessionStorage);
const outcome = await signIn({ token, slot: session });
let signedOut = 0;
const client = pickWalletClient(globalThis, { session, onSignedOut: () => { signedOut += 1; } });
const events = [];
let unsubscribe;
window.harness = {
  signedOut: () => signedOut,
  call: async (method, params) => {
    try { return { ok: true, value: await client.call(method, params) }; }
    catch (e) { return { ok: false, name: e.name, code: e.code, message: e.message, hint: e.hint }; }
  },
  connect: async (params) => {
    const progress = [];
    try { return { ok: true, value: await client.connect(params, (p) => progress.push(p)), progress }; }
    catch (e) { return { ok: false, code: e.code, message: e.message, progress }; }
  },
  subscribe: () => { unsubscribe = client.subscribe((event) => events.push(event)); },
  unsubscribe: () => unsubscribe?.(),
  events,
};
document.title = outcome.signedIn ? 'client ready' : 'signed out: ' + outcome.reason;
`;

let f: HostFixture;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  f = await startHostFixture();
  const bundle = await build({
    stdin: { contents: HARNESS, resolveDir: ROOT, loader: 'ts', sourcefile: 'harness.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  await writeFile(join(f.staticDir, 'assets', 'app.js'), bundle.outputFiles[0]!.contents);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  await page.goto(f.host.oneTimeUrl());
  await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'client ready');
});

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

type Outcome = { ok: true; value: unknown; progress?: unknown[] } | { ok: false; name?: string; code: string; message: string; hint?: string; progress?: unknown[] };

interface Harness {
  signedOut(): number;
  call(method: string, params: unknown): Promise<Outcome>;
  connect(params: unknown): Promise<Outcome>;
  subscribe(): void;
  unsubscribe(): void;
  events: Array<{ type: string; approval?: { id: string; agentName: string } }>;
}

/** Calls the page's harness (no eval in the page: the CSP forbids it). */
function call(method: string, params: unknown): Promise<Outcome> {
  return page.evaluate(([m, p]) => (globalThis as unknown as { harness: Harness }).harness.call(m, p), [method, params] as const);
}

describe('renderer HTTP WalletClient (real Chromium, real host)', () => {
  it('calls methods; results are validated and typed as the contract says', async () => {
    const enrolled = await call('enrolAgent', { name: 'from-window' });
    expect(enrolled).toMatchObject({ ok: true, value: { agent: { name: 'from-window' } } });
    const status = await call('status', {});
    expect(status).toMatchObject({ ok: true, value: { mode: 'memory' } });
    const agents = (await call('listAgents', {})) as { ok: true; value: Array<{ name: string }> };
    expect(agents.value.map((a) => a.name)).toContain('from-window');
  });

  it('errors arrive as LatchkeyError with the code, message and hint; invalid params are refused with input.invalid', async () => {
    const missing = await call('removeAgent', { agent: 'nobody' });
    expect(missing).toMatchObject({ ok: false, name: 'LatchkeyError', code: ErrorCode.AgentNotFound });
    const invalid = await call('enrolAgent', { name: 7 });
    expect(invalid).toMatchObject({ ok: false, code: ErrorCode.InvalidInput });
  });

  it('connect reads the NDJSON stream and rejects with the wallet\'s error', async () => {
    const outcome = await page.evaluate(() => (globalThis as unknown as { harness: Harness }).harness.connect({ url: 'http://mcp.example.test/mcp' }));
    expect(outcome).toMatchObject({ ok: false, code: ErrorCode.InsecureUrl });
  });

  it('subscribe delivers approval.raised and approval.decided live over the event stream read through fetch', async () => {
    // The host subscribes to the wallet when the stream arrives: wait for that before raising anything.
    const { wallet } = f.composed;
    const original = wallet.subscribe.bind(wallet);
    let streams = 0;
    wallet.subscribe = (listener) => {
      streams += 1;
      return original(listener);
    };
    await page.evaluate(() => (globalThis as unknown as { harness: Harness }).harness.subscribe());
    await expect.poll(() => streams, { timeout: 20_000 }).toBe(1);
    wallet.subscribe = original;
    const { secret } = await f.composed.wallet.enrolAgent({ name: 'agent-live' });
    const caller = f.composed.broker.authenticate(secret)!;
    const asking = f.composed.broker.token(caller, { resource: RESOURCE }, new AbortController().signal);
    asking.catch(() => undefined); // checked below; denied before the check runs
    const raised = await page.waitForFunction(() => {
      const events = (globalThis as unknown as { harness: Harness }).harness.events;
      return events.find((e) => e.type === 'approval.raised' && e.approval?.agentName === 'agent-live')?.approval?.id;
    });
    const id = (await raised.jsonValue()) as string;
    const decided = await call('decideApproval', { id, decision: 'deny' });
    expect(decided).toMatchObject({ ok: true, value: { id, status: 'denied' } });
    await page.waitForFunction(
      (approvalId) =>
        (globalThis as unknown as { harness: Harness }).harness.events.some(
          (e) => e.type === 'approval.decided' && e.approval?.id === approvalId,
        ),
      id,
    );
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    await page.evaluate(() => (globalThis as unknown as { harness: Harness }).harness.unsubscribe());
  });

  it('T31: a reload stays signed in (the session is in this tab\'s sessionStorage); the address bar holds no token', async () => {
    expect(page.url()).toBe(`${f.host.url}/`);
    await page.reload();
    await page.waitForFunction(() => (globalThis as unknown as { document: { title: string } }).document.title === 'client ready');
    expect(await call('status', {})).toMatchObject({ ok: true, value: { mode: 'memory' } });
  });

  it('T31: a session the host does not know ends in a 401 with a hint naming the command, and the window is told once', async () => {
    await page.evaluate(() => (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('latchkey.session', 'forged'));
    const refused = await call('listAgents', {});
    expect(refused).toMatchObject({ ok: false, code: ErrorCode.Unauthenticated, hint: expect.stringContaining('latchkey ui') as string });
    await call('status', {});
    expect(await page.evaluate(() => (globalThis as unknown as { harness: Harness }).harness.signedOut())).toBe(1);
  });

  it('runs under the host\'s CSP without a violation', () => {
    expect(consoleErrors.filter((text) => /Content Security Policy|unsafe-eval/i.test(text))).toEqual([]);
  });
});
