/**
 * R7, the wallet's side of the identity provider, against the world's enterprise IdP and real
 * Chromium: nothing works before the IdP is named and the owner has signed in (codes and hints
 * naming the commands); one browser sign-in gives ID-JAGs for any authorization server with no
 * browser; an expired ID token is renewed with the IdP refresh token once for concurrent askers;
 * a refresh token the IdP no longer accepts drops the sign-in and asks the owner to sign in again.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { EnterpriseStore } from '../../../../electron/wallet/enterprise/enterprise-store.js';
import { EnterpriseIdentity } from '../../../../electron/wallet/enterprise/enterprise-identity.js';
import { BrowserOpener } from '../../../world/browser.js';
import { ChromiumHost } from '../../../world/chromium.js';
import { ID_JAG_TYP, startEnterpriseIdp, TOKEN_EXCHANGE_GRANT, type EnterpriseIdp } from '../../../world/enterprise-idp.js';
import { rejection } from '../../../support/rejection.js';

const AS_ISSUER = 'https://as.example.test';
const RESOURCE = 'https://notes.example.test/mcp';
const net = { fetch: (input: string | URL, init?: RequestInit): Promise<Response> => fetch(input, init), policy: { allowInsecureLoopback: true } };

let idp: EnterpriseIdp;
let chromium: ChromiumHost;
let opener: BrowserOpener;
let vault: Vault;
let identity: EnterpriseIdentity;
/** The wallet's clock; tests move it past the ID token's expiry (the IdP keeps real time). */
let now = Date.now();

beforeAll(async () => {
  idp = await startEnterpriseIdp();
  chromium = new ChromiumHost();
  opener = new BrowserOpener(chromium);
  vault = await openVault({ dir: '', mode: 'memory' });
  identity = new EnterpriseIdentity({ store: new EnterpriseStore(vault), net, opener, clock: { now: () => now }, logger: silentLogger });
});

afterAll(async () => {
  await opener?.close();
  await chromium?.close();
  await vault?.close();
  await idp?.close();
});

function session(): { idToken: string; refreshToken?: string; idTokenExpiresAt: number } {
  const document = vault.read() as { enterprise?: { session?: { idToken: string; refreshToken?: string; idTokenExpiresAt: number } } };
  const kept = document.enterprise?.session;
  if (kept === undefined) throw new Error('no session in the vault');
  return kept;
}

describe('R7: the owner’s sign-in at the identity provider', () => {
  it('R7: before the IdP is named, and before the sign-in, an ID-JAG is refused with the command to run', async () => {
    expect(identity.status()).toEqual({ state: 'not-configured', hasSecret: false, refreshable: false });
    const unnamed = await rejection(identity.idJagFor({ audience: AS_ISSUER, resource: RESOURCE, scopes: [] }));
    expect(unnamed).toMatchObject({ code: ErrorCode.EnterpriseNotConfigured });
    expect(unnamed.hint).toContain('latchkey enterprise set');
    expect(await identity.configure({ issuer: idp.issuer, clientId: idp.clientId })).toMatchObject({ state: 'signed-out', issuer: idp.issuer, clientId: idp.clientId, hasSecret: false });
    const signedOut = await rejection(identity.idJagFor({ audience: AS_ISSUER, resource: RESOURCE, scopes: [] }));
    expect(signedOut).toMatchObject({ code: ErrorCode.EnterpriseSignInNeeded, hint: 'Run: latchkey enterprise sign-in' });
    expect(idp.as.tokenRequests).toEqual([]);
  });

  it('R7: one browser sign-in, then an ID-JAG for any authorization server with one request and no browser', async () => {
    const flow = opener.nextFlow();
    const status = await identity.signIn({ timeoutMs: 30_000 });
    expect((await flow).steps).toContain('login');
    expect(status).toMatchObject({ state: 'signed-in', subject: 'alice', refreshable: true });
    expect(opener.opened).toHaveLength(1);

    const before = idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT);
    idp.mapClient(AS_ISSUER, 'latchkey-at-as');
    const idJag = await identity.idJagFor({ audience: AS_ISSUER, resource: RESOURCE, scopes: ['mcp:read'] });
    expect(idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT) - before).toBe(1);
    expect(idJag.idp).toBe(idp.issuer);
    const { payload, protectedHeader } = await jwtVerify(idJag.value, createLocalJWKSet(idp.idJagIssuer.jwks), { issuer: idp.issuer, audience: AS_ISSUER, typ: ID_JAG_TYP });
    expect(protectedHeader.typ).toBe(ID_JAG_TYP);
    expect(payload).toMatchObject({ sub: 'alice', resource: RESOURCE, scope: 'mcp:read', client_id: 'latchkey-at-as', jti: expect.any(String) });
    expect(opener.opened).toHaveLength(1);
  });

  it('R7: an expired ID token is renewed with the IdP refresh token, once for two concurrent askers, then exchanged', async () => {
    const old = session();
    now = old.idTokenExpiresAt + 1_000;
    const refreshes = idp.as.tokenRequestCount('refresh_token');
    const exchanges = idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT);
    const [a, b] = await Promise.all([
      identity.idJagFor({ audience: AS_ISSUER, resource: RESOURCE, scopes: ['mcp:read'] }),
      identity.idJagFor({ audience: 'https://other-as.example.test', resource: 'https://other.example.test/mcp', scopes: [] }),
    ]);
    expect(idp.as.tokenRequestCount('refresh_token') - refreshes).toBe(1);
    expect(idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT) - exchanges).toBe(2);
    expect(a.value).not.toBe(b.value);
    expect(session().idToken).not.toBe(old.idToken);
    expect(opener.opened).toHaveLength(1);
  });

  it('R7, T44: a refresh token the IdP no longer accepts drops the sign-in and asks the owner to sign in again', async () => {
    const revoked = await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: session().refreshToken ?? '', token_type_hint: 'refresh_token', client_id: idp.clientId }),
    });
    expect(revoked.status).toBe(200);
    now = session().idTokenExpiresAt + 1_000;
    const error = await rejection(identity.idJagFor({ audience: AS_ISSUER, resource: RESOURCE, scopes: [] }));
    expect(error).toMatchObject({ code: ErrorCode.EnterpriseSignInNeeded, hint: 'Run: latchkey enterprise sign-in' });
    expect(identity.status()).toMatchObject({ state: 'signed-out', issuer: idp.issuer });
    expect(opener.opened).toHaveLength(1);
  });

  it('R7: with no browser to open and nobody shown the URL, the sign-in ends at once with opener.failed', async () => {
    const noBrowser = { open: (): Promise<void> => Promise.reject(new LatchkeyError(ErrorCode.OpenerFailed, 'no browser here')) };
    const headless = new EnterpriseIdentity({ store: new EnterpriseStore(vault), net, opener: noBrowser, clock: { now: () => now }, logger: silentLogger });
    const error = await rejection(headless.signIn({ timeoutMs: 60_000 }));
    expect(error).toMatchObject({ code: ErrorCode.OpenerFailed });
    expect(error.hint).toContain('BROWSER');
    expect(headless.status()).toMatchObject({ state: 'signed-out' });
  });
});
