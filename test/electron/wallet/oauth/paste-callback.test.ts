/**
 * Paste sign-in: the pasted address must be this sign-in's redirect (place, one matching state)
 * before it goes anywhere; once delivered, the loopback listener and authorize.ts apply the same
 * state, iss, error and code checks as for a local browser.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import type { ConnectProgress } from '../../../../shared/connections.js';
import { authorizeInBrowser } from '../../../../electron/wallet/oauth/authorize.js';
import { buildClientConfiguration } from '../../../../electron/wallet/oauth/client-config.js';
import { openLoopbackListener, type LoopbackListener } from '../../../../electron/wallet/oauth/loopback.js';
import { deliverPastedCallback, parsePastedAddress, pasteExpectationOf } from '../../../../electron/wallet/oauth/paste-callback.js';
import { FAKE_ISSUER, FakeTokenEndpoint, fakePublicClient, fakeServerMetadata } from '../../../fakes/fake-token-endpoint.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const policy = { allowInsecureLoopback: false };
const publicClient = fakePublicClient();
const expected = { redirectUri: 'http://127.0.0.1:43111/callback', state: 'the-state' };

describe('paste: the address must be this sign-in\'s redirect', () => {
  it.each([
    ['another host', 'http://localhost:43111/callback?code=c&state=the-state'],
    ['another port', 'http://127.0.0.1:43112/callback?code=c&state=the-state'],
    ['no port', 'http://127.0.0.1/callback?code=c&state=the-state'],
    ['another path', 'http://127.0.0.1:43111/callbacks?code=c&state=the-state'],
    ['https', 'https://127.0.0.1:43111/callback?code=c&state=the-state'],
    ['another site', 'https://evil.example/callback?code=c&state=the-state'],
  ])('%s is refused before anything is sent', (_name, text) => {
    expect(() => parsePastedAddress(text, expected)).toThrowError(
      expect.objectContaining({ code: ErrorCode.PasteRejected, message: expect.stringContaining('is not where this sign-in returns to') }),
    );
  });

  it.each([
    ['missing state', 'http://127.0.0.1:43111/callback?code=c', 'carries no state'],
    ['wrong state', 'http://127.0.0.1:43111/callback?code=c&state=other', 'belongs to another sign-in'],
    ['state twice', 'http://127.0.0.1:43111/callback?code=c&state=the-state&state=other', 'more than once'],
    ['code twice', 'http://127.0.0.1:43111/callback?code=c&code=d&state=the-state', 'more than once'],
    ['credentials', 'http://user:pw@127.0.0.1:43111/callback?code=c&state=the-state', 'credentials'],
    ['not an address', 'code=c&state=the-state', 'not an address'],
    ['nothing', '   ', 'Nothing was pasted'],
  ])('%s is refused', (_name, text, message) => {
    expect(() => parsePastedAddress(text, expected)).toThrowError(expect.objectContaining({ code: ErrorCode.PasteRejected, message: expect.stringContaining(message) }));
  });

  it('the right address is accepted with spaces around it; a fragment is dropped', () => {
    const url = parsePastedAddress('  http://127.0.0.1:43111/callback?code=c&state=the-state&iss=x#frag \n', expected);
    expect(url.href).toBe('http://127.0.0.1:43111/callback?code=c&state=the-state&iss=x');
  });

  it('the expectation is read from the printed authorization URL', () => {
    const authorizationUrl = `${FAKE_ISSUER}/authorize?redirect_uri=${encodeURIComponent(expected.redirectUri)}&state=the-state&client_id=x`;
    expect(pasteExpectationOf(authorizationUrl)).toEqual(expected);
  });
});

describe('paste: once delivered, the same checks as a local browser', () => {
  const listeners: LoopbackListener[] = [];
  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.close()));
  });

  /** Starts a paste sign-in; resolves with its promise and the paste step it printed. */
  async function startPaste() {
    const as = new FakeTokenEndpoint();
    const listener = await openLoopbackListener();
    listeners.push(listener);
    const opened: URL[] = [];
    let step: Extract<ConnectProgress, { step: 'paste' }> | undefined;
    const signIn = authorizeInBrowser({
      config: buildClientConfiguration(fakeServerMetadata(), publicClient, { fetch: as.fetch, policy }),
      listener,
      resource: RESOURCE,
      sendResource: true,
      scopes: ['mcp:read'],
      opener: { open: async (url) => void opened.push(url) },
      channel: 'paste',
      policy,
      timeoutMs: 10_000,
      onProgress: (event) => {
        if (event.step === 'paste') step = event;
      },
    });
    signIn.catch(() => undefined);
    await expect.poll(() => step).toBeDefined();
    const expectation = pasteExpectationOf(step!.authorizationUrl);
    const redirect = (params: Record<string, string>): string => {
      const url = new URL(expectation.redirectUri);
      for (const [k, v] of Object.entries({ state: expectation.state, ...params })) url.searchParams.set(k, v);
      return url.href;
    };
    return { as, listener, signIn, step: step!, expectation, redirect, opened };
  }

  it('the paste step names the listener\'s redirect; nothing is opened; a good address completes the sign-in', async () => {
    const { as, listener, signIn, step, redirect, opened, expectation } = await startPaste();
    expect(step.redirectUri).toBe(listener.redirectUri);
    expect(expectation.redirectUri).toBe(listener.redirectUri);
    expect(opened).toEqual([]);
    const status = await deliverPastedCallback(parsePastedAddress(redirect({ code: 'c1', iss: FAKE_ISSUER }), expectation));
    expect(status).toBe(200);
    await expect(signIn).resolves.toMatchObject({ access_token: expect.any(String) });
    expect(as.requestsTo('/token')).toHaveLength(1);
    expect(listener.closed).toBe(true);
  });

  it('an error= response (access_denied) is authorize.access_denied; no token request', async () => {
    const { as, signIn, redirect, expectation } = await startPaste();
    const status = await deliverPastedCallback(parsePastedAddress(redirect({ error: 'access_denied', iss: FAKE_ISSUER }), expectation));
    expect(status).toBe(400);
    await expect(signIn).rejects.toMatchObject({ code: ErrorCode.AccessDenied });
    expect(as.requestsTo('/token')).toHaveLength(0);
  });

  it('an iss mismatch is authorize.iss_mismatch; no token request', async () => {
    const { as, signIn, redirect, expectation } = await startPaste();
    await deliverPastedCallback(parsePastedAddress(redirect({ code: 'c1', iss: 'https://evil.example.test' }), expectation));
    await expect(signIn).rejects.toMatchObject({ code: ErrorCode.IssuerResponseMismatch });
    expect(as.requestsTo('/token')).toHaveLength(0);
  });

  it('iss missing although the AS promises it is refused as for a browser', async () => {
    const { as, signIn, redirect, expectation } = await startPaste();
    await deliverPastedCallback(parsePastedAddress(redirect({ code: 'c1' }), expectation));
    await expect(signIn).rejects.toMatchObject({ code: ErrorCode.IssuerResponseMismatch });
    expect(as.requestsTo('/token')).toHaveLength(0);
  });

  it('a second delivery after the sign-in finished reaches nothing: authorize.paste_rejected', async () => {
    const { signIn, redirect, expectation } = await startPaste();
    const address = parsePastedAddress(redirect({ code: 'c1', iss: FAKE_ISSUER }), expectation);
    await deliverPastedCallback(address);
    await signIn;
    await expect(deliverPastedCallback(address)).rejects.toMatchObject({ code: ErrorCode.PasteRejected });
  });

  it('only a loopback address is ever delivered', async () => {
    await expect(deliverPastedCallback(new URL('http://example.test:80/callback?state=s'))).rejects.toMatchObject({ code: ErrorCode.PasteRejected });
  });
});
