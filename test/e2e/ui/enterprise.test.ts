/**
 * The organisation sign-in in the window, with the test world's enterprise identity provider and an
 * authorization server that trusts its ID-JAGs: the owner names the IdP in Settings, signs in there
 * (the IdP's login page in another tab of the same Chromium, driven by the world's opener) and the
 * card says signed in, as whom; Add a server then offers the enterprise-managed choice, which
 * connects with no browser (one token exchange at the IdP, one JWT-bearer redemption at the
 * server's authorization server); Forget asks first and the card says none is set up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../../world/index.js';
import { JWT_BEARER_GRANT_TYPE } from '../../world/jwt-bearer-grant.js';
import { registerLatchkeyAt, startWorldTrustingIdp } from '../../world/enterprise-world.js';
import { startEnterpriseIdp, TOKEN_EXCHANGE_GRANT, type EnterpriseIdp } from '../../world/enterprise-idp.js';
import { openScreen, saveScreenshot, startUi, type UiFixture } from './support.js';

let idp: EnterpriseIdp;
let world: World;
let ui: UiFixture;

beforeAll(async () => {
  idp = await startEnterpriseIdp();
  world = await startWorldTrustingIdp(idp);
  ui = await startUi(world);
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await world?.close();
  await idp?.close();
});

describe('the window: organisation sign-in', () => {
  it('name the IdP in Settings → sign in in the browser → signed in as the IdP says; an enterprise-managed server connects with no browser', async () => {
    const { page } = ui;
    await openScreen(page, 'Settings');
    const card = page.getByRole('region', { name: 'Organisation sign-in' });
    const state = card.getByRole('status', { name: 'Sign-in state' });
    await state.getByText('No identity provider is set up.').waitFor();

    const form = card.getByRole('form', { name: 'Identity provider' });
    await form.getByLabel('Issuer URL').fill(idp.issuer);
    await form.getByLabel('Client id').fill(idp.clientId);
    await form.getByRole('button', { name: 'Save identity provider' }).click();
    await state.getByText('Not signed in.').waitFor();
    expect(await card.innerText()).toContain(idp.issuer);

    const signInStarted = performance.now();
    const flow = world.opener.nextFlow();
    await card.getByRole('button', { name: 'Sign in' }).click();
    await state.getByText(/^Waiting for the browser…/u).waitFor();
    expect((await flow).steps).toContain('login');
    expect(world.opener.opened[0]?.origin).toBe(new URL(idp.issuer).origin);
    await state.getByText(/^Signed in as /u).waitFor();
    await card.getByText('The browser sign-in worked', { exact: false }).waitFor();
    const signInMs = Math.round(performance.now() - signInStarted);
    const status = await ui.daemon.wallet.enterpriseStatus({});
    expect(status).toMatchObject({ state: 'signed-in', subject: expect.any(String), refreshable: true });
    expect(await state.innerText()).toContain(`Signed in as ${status.subject ?? '?'}`);
    expect(idp.as.tokenRequestCount('authorization_code')).toBe(1);
    expect(ui.context.pages()).toEqual([page]); // the window itself never navigated away
    await saveScreenshot(page, 'settings-organisation-signed-in');
    console.info(`[ui enterprise] IdP sign-in from Settings (browser, code + PKCE): ${signInMs} ms, ${idp.as.tokenRequests.length} IdP token request`);

    // Add a server offers the organisation's sign-in now, and it opens no browser.
    const client = await registerLatchkeyAt(idp, world);
    await ui.daemon.wallet.setClient({ issuer: world.issuer, clientId: client.clientId, clientSecret: client.clientSecret });
    await openScreen(page, 'Connections');
    const add = page.getByRole('region', { name: 'Add a server' });
    await add.getByRole('radio', { name: 'Through my organisation’s sign-in (enterprise-managed)' }).check();
    await add.getByLabel('MCP server URL').fill(world.mcpUrl);
    const opens = world.opener.opened.length;
    const idpBefore = idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT);
    const asBefore = world.as.tokenRequests.length;
    const connectStarted = performance.now();
    await add.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('region', { name: 'Connection progress' }).getByRole('status').getByText('Connected.').waitFor();
    const connectMs = Math.round(performance.now() - connectStarted);
    const [connection] = await ui.daemon.wallet.listConnections({});
    expect(connection).toMatchObject({ resource: world.mcpUrl, managedBy: 'enterprise', status: 'ok' });
    const idpRequests = idp.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT) - idpBefore;
    const asRequests = world.as.tokenRequests.length - asBefore;
    expect([idpRequests, asRequests]).toEqual([1, 1]);
    expect(world.as.tokenRequestCount(JWT_BEARER_GRANT_TYPE)).toBe(1);
    expect(world.opener.opened.length).toBe(opens);
    console.info(`[ui enterprise] enterprise-managed connect from Add a server: ${connectMs} ms, ${idpRequests} IdP request (token exchange), ${asRequests} AS request (JWT-bearer)`);
  });

  it('Forget asks first, then the card says no identity provider is set up and Add a server no longer offers it', async () => {
    const { page } = ui;
    await openScreen(page, 'Settings');
    const card = page.getByRole('region', { name: 'Organisation sign-in' });
    await card.getByRole('button', { name: 'Forget' }).click();
    const dialog = page.getByRole('dialog', { name: 'Forget the identity provider?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Forget' }).click();
    await card.getByRole('status', { name: 'Sign-in state' }).getByText('No identity provider is set up.').waitFor();
    expect((await ui.daemon.wallet.enterpriseStatus({})).state).toBe('not-configured');

    await openScreen(page, 'Connections');
    await page.getByRole('region', { name: 'Add a server' }).getByRole('radio', { name: 'This computer’s browser' }).waitFor();
    expect(await page.getByRole('radio', { name: /enterprise-managed/u }).count()).toBe(0);
    await ui.watch.expectClean();
  });
});
