/**
 * The sign-ins an owner UI finishes: a pasted address reaches only the sign-in whose state it
 * carries (checked by paste-callback.ts, as the CLI's), the wallet opens only the page a sign-in
 * in progress shows, and a connect can be cancelled by its server's URL. A plain HTTP server on
 * 127.0.0.1 stands in for the loopback listener; the owner methods are also called through the
 * one validated call of the real wallet in memory.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SignInsWaiting } from '../../../../electron/wallet/connections/sign-ins-waiting.js';
import type { ConnectProgress } from '../../../../shared/connections.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { openMemoryWallet } from '../../../support/memory-wallet.js';
import { rejection } from '../../../support/rejection.js';

const SERVER = 'https://mcp.example.test/mcp';
let listener: Server;
let redirectUri: string;
let received: string[];
let opened: string[];
let signIns: SignInsWaiting;

beforeEach(async () => {
  received = [];
  opened = [];
  listener = createServer((req, res) => {
    received.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  redirectUri = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
  signIns = new SignInsWaiting({ open: async (url) => void opened.push(url.href) }, { allowInsecureLoopback: false });
});

afterEach(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

function authorizationUrl(state: string): string {
  const url = new URL('https://as.example.test/authorize');
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  return url.href;
}

function pasteStep(state: string): ConnectProgress {
  return { step: 'paste', authorizationUrl: authorizationUrl(state), redirectUri, timeoutMs: 60_000 };
}

describe('SignInsWaiting', () => {
  it('a pasted address reaches only the paste sign-in whose state it carries; the caller still hears every step', async () => {
    const heard: string[] = [];
    const followed = signIns.follow(SERVER, { onProgress: (event) => heard.push(event.step) });
    followed.control.onProgress?.(pasteStep('state-1'));
    expect(heard).toEqual(['paste']);

    const wrong = await rejection(signIns.deliverPasted(`${redirectUri}?code=c&state=other`));
    expect(wrong.code).toBe(ErrorCode.PasteRejected);
    expect(wrong.message).toContain('belongs to another sign-in');
    expect(wrong.hint).toBeDefined();
    const elsewhere = await rejection(signIns.deliverPasted('http://127.0.0.1:1/callback?code=c&state=state-1'));
    expect(elsewhere.message).toContain('not where this sign-in returns to');
    expect(received).toEqual([]);

    await signIns.deliverPasted(`  ${redirectUri}?code=c&state=state-1#frag  `);
    expect(received).toEqual(['/callback?code=c&state=state-1']);
    followed.done();
  });

  it('with no paste sign-in waiting (none, a browser one, or one past its step) nothing is delivered', async () => {
    expect((await rejection(signIns.deliverPasted(`${redirectUri}?code=c&state=s`))).message).toContain('No sign-in is waiting');
    const followed = signIns.follow(SERVER, {});
    followed.control.onProgress?.({ step: 'browser', authorizationUrl: authorizationUrl('s'), timeoutMs: 60_000 });
    expect((await rejection(signIns.deliverPasted(`${redirectUri}?code=c&state=s`))).code).toBe(ErrorCode.PasteRejected);
    followed.control.onProgress?.(pasteStep('s'));
    followed.control.onProgress?.({ step: 'exchanging' });
    expect((await rejection(signIns.deliverPasted(`${redirectUri}?code=c&state=s`))).message).toContain('No sign-in is waiting');
    expect(received).toEqual([]);
    followed.done();
  });

  it('opens only the pages a sign-in in progress shows, and only while it shows them', async () => {
    const followed = signIns.follow(SERVER, {});
    expect((await rejection(signIns.openPage('https://as.example.test/device'))).code).toBe(ErrorCode.InvalidInput);
    followed.control.onProgress?.({
      step: 'device',
      verificationUri: 'https://as.example.test/device',
      verificationUriComplete: 'https://as.example.test/device?user_code=ABCD-EFGH',
      userCode: 'ABCD-EFGH',
      expiresAt: Date.now() + 60_000,
      intervalSeconds: 5,
    });
    await signIns.openPage('https://as.example.test/device');
    await signIns.openPage('https://as.example.test/device?user_code=ABCD-EFGH');
    expect((await rejection(signIns.openPage('https://evil.example.test/'))).code).toBe(ErrorCode.InvalidInput);
    followed.control.onProgress?.({ step: 'exchanging' });
    expect((await rejection(signIns.openPage('https://as.example.test/device'))).code).toBe(ErrorCode.InvalidInput);
    expect(opened).toEqual(['https://as.example.test/device', 'https://as.example.test/device?user_code=ABCD-EFGH']);
    followed.done();
  });

  it('cancel aborts the connects of that server (by its URL or canonical form) and nothing after they end', () => {
    const caller = new AbortController();
    const followed = signIns.follow(SERVER, { signal: caller.signal });
    const other = signIns.follow('https://other.example.test/mcp', {});
    expect(signIns.cancel('https://MCP.example.test/mcp')).toBe(true);
    expect(followed.control.signal?.aborted).toBe(true);
    expect(other.control.signal?.aborted).toBe(false);
    followed.done();
    other.done();
    expect(signIns.cancel(SERVER)).toBe(false);

    const again = signIns.follow(SERVER, { signal: caller.signal });
    caller.abort();
    expect(again.control.signal?.aborted).toBe(true); // the caller's own signal still cancels
    again.done();
  });
});

describe('the owner methods, through the one validated call', () => {
  it('refuse a paste with no sign-in waiting, a page no sign-in shows, and an address past the contract', async () => {
    const memory = await openMemoryWallet();
    try {
      expect((await rejection(memory.wallet.deliverPastedSignIn({ address: `${redirectUri}?code=c&state=s` }))).code).toBe(ErrorCode.PasteRejected);
      expect((await rejection(memory.wallet.deliverPastedSignIn({ address: 'x'.repeat(20_000) }))).code).toBe(ErrorCode.InvalidInput);
      expect((await rejection(memory.wallet.openSignInPage({ url: 'https://evil.example.test/' }))).code).toBe(ErrorCode.InvalidInput);
      expect(await memory.wallet.cancelConnect({ url: SERVER })).toBe(false);
      expect(memory.opened).toEqual([]);
      expect(received).toEqual([]);
    } finally {
      await memory.close();
    }
  });
});
