/**
 * The window's sign-in channels, in Chromium through the headless host, against the test world:
 * a device code (shown large, its page opened through the wallet's opener, a second Chromium
 * context plays the user typing it on another device; cancel works), a paste sign-in (a browser
 * elsewhere signs in; a wrong address is explained inline and the field stays; the right one
 * connects), Advanced (resource left out with the CLI's warning, a fixed callback port, and
 * registering again when the registration does not fit it), and Register again (asks first,
 * registers anew; refused for a client the owner registered). Screenshots of the new states,
 * light and dark.
 */
import { createServer } from 'node:net';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Opener } from '../../../electron/base/ports.js';
import { NO_RESOURCE_RISK } from '../../../shared/no-resource-warning.js';
import { startWorld, type World } from '../../world/index.js';
import { completeDeviceSignIn } from '../../world/device-flow.js';
import { signInElsewhere } from '../../world/remote-browser.js';
import { chooseTheme, openScreen, saveScreenshot, startUi, type UiFixture } from './support.js';

let world: World;
let ui: UiFixture;
let page: Page;
/** Every page the wallet opened; `drive` hands it on to the world's opener (it signs in at the AS). */
const opened: string[] = [];
let drive = false;

beforeAll(async () => {
  world = await startWorld();
  const opener: Opener = {
    open: async (url) => {
      opened.push(url.href);
      if (drive) await world.opener.open(url);
    },
  };
  ui = await startUi(world, { opener });
  page = ui.page;
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await world?.close();
});

function addForm(): Locator {
  return page.getByRole('region', { name: 'Add a server' });
}

function progress(): Locator {
  return page.getByRole('region', { name: 'Connection progress' });
}

async function startConnect(method: 'This computer’s browser' | 'A code on another device' | 'Paste the address from another browser'): Promise<void> {
  await openScreen(page, 'Connections');
  const form = addForm();
  await form.getByLabel('MCP server URL').fill(world.mcpUrl);
  await form.getByRole('radio', { name: method }).check();
  await form.getByRole('button', { name: 'Connect' }).click();
}

async function closeFlow(): Promise<void> {
  await progress().getByRole('button', { name: 'Close' }).click();
  await progress().waitFor({ state: 'detached' });
}

describe('the window: device code', () => {
  it('shows the code large with the address and time left; Open goes through the wallet; a second device enters it and the window connects', async () => {
    await startConnect('A code on another device');
    const device = progress().getByRole('group', { name: 'Device code' });
    const code = device.getByTestId('user-code');
    await code.waitFor();
    const userCode = (await code.innerText()).trim();
    expect(userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/u);
    const verificationUri = await device.getByTestId('verification-uri').inputValue();
    expect(verificationUri).toBe(`${world.issuer}/device`);
    expect(await device.getByTestId('device-time-left').innerText()).toMatch(/^\d+:\d\d$/u);
    // Big enough to read across a room.
    expect(Number.parseFloat(await code.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(28);

    await device.getByRole('button', { name: 'Open in browser' }).click();
    await expect.poll(() => opened).toContain(verificationUri);
    expect(ui.context.pages()).toEqual([page]); // the window itself opened nothing

    await saveScreenshot(page, 'connections-device-code-light');
    await chooseTheme(page, 'dark', 'Connections');
    await progress().getByTestId('user-code').waitFor();
    await saveScreenshot(page, 'connections-device-code-dark');
    await chooseTheme(page, 'light', 'Connections');

    const steps = await completeDeviceSignIn(world.chromium, { verificationUri, userCode });
    expect(steps.at(-1)).toBe('device-success');
    await progress().getByRole('status').getByText('Connected.').waitFor();
    const [connection] = await ui.daemon.wallet.listConnections();
    expect(connection).toMatchObject({ resource: world.mcpUrl, status: 'ok', signIn: 'device' });
    await closeFlow();
  }, 120_000);

  it('Cancel stops the wallet waiting: the flow says so and the connection is as it was', async () => {
    const before = await ui.daemon.wallet.listConnections();
    await startConnect('A code on another device');
    await progress().getByTestId('user-code').waitFor();
    await progress().getByRole('button', { name: 'Cancel' }).click();
    await progress().getByText('authorize.cancelled').waitFor();
    expect(await progress().innerText()).toContain('Could not connect to');
    expect(await ui.daemon.wallet.listConnections()).toEqual(before);
    await closeFlow();
  }, 60_000);
});

describe('the window: paste the address', () => {
  it('a browser elsewhere signs in; a wrong address is explained inline and the field stays; the right one connects', async () => {
    const openedBefore = opened.length;
    await startConnect('Paste the address from another browser');
    const paste = progress().getByRole('group', { name: 'Paste sign-in' });
    const authorizationUrl = await paste.getByTestId('authorization-url').inputValue();
    expect(new URL(authorizationUrl).origin).toBe(world.issuer);
    expect(opened.length).toBe(openedBefore); // a paste sign-in is not opened on this machine by itself

    const endedOn = await signInElsewhere(world.chromium, authorizationUrl);
    const wrong = new URL(endedOn);
    wrong.searchParams.set('state', 'not-this-one');
    const field = paste.getByLabel('The address your browser ended on');
    const pasteWrong = async (): Promise<void> => {
      await field.fill(wrong.href);
      await paste.getByRole('button', { name: 'Finish sign-in' }).click();
      await paste.getByRole('alert').getByText(/belongs to another sign-in/u).waitFor();
    };
    await pasteWrong();
    expect(await paste.getByRole('alert').innerText()).toContain('Copy the whole address');
    expect(await field.inputValue()).toBe(wrong.href); // kept, to correct or replace
    await saveScreenshot(page, 'connections-paste-rejected-light');
    await chooseTheme(page, 'dark', 'Connections');
    await pasteWrong();
    await saveScreenshot(page, 'connections-paste-rejected-dark');
    await chooseTheme(page, 'light', 'Connections');

    await field.fill(endedOn.href);
    await paste.getByRole('button', { name: 'Finish sign-in' }).click();
    await progress().getByRole('status').getByText('Connected.').waitFor();
    const [connection] = await ui.daemon.wallet.listConnections();
    expect(connection).toMatchObject({ resource: world.mcpUrl, status: 'ok', signIn: 'paste' });
    expect(await page.locator('body').innerText()).not.toContain(endedOn.searchParams.get('code')!);
    await closeFlow();
    // The two refused addresses: the host answers a refused call 409, which Chromium logs; nothing else.
    expect(ui.watch.consoleErrors.splice(0)).toEqual(Array(2).fill('Failed to load resource: the server responded with a status of 409 (Conflict)'));
    await ui.watch.expectClean();
  }, 120_000);
});

describe('the window: Advanced, and register again', () => {
  function row(): Locator {
    return page.getByRole('table', { name: 'Connections' }).getByRole('row').filter({ hasText: world.mcpUrl });
  }

  async function registerAgain(): Promise<void> {
    await row().getByRole('button', { name: 'Register again' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register Latchkey again?' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Other connections through the same authorization server');
    await dialog.getByRole('button', { name: 'Register again' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  it('Advanced: leaving resource out is warned with the CLI’s words; with a fixed callback port it connects through this computer’s browser and both are kept', async () => {
    // This computer's browser again (the form's choice replaces the kept paste channel); the world's opener drives it.
    drive = true;
    await openScreen(page, 'Connections');
    const form = addForm();
    await form.getByText('Advanced').click();
    await form.getByLabel('Don’t send the resource parameter').check();
    const warning = form.getByRole('note');
    expect(await warning.innerText()).toContain(NO_RESOURCE_RISK);
    const port = await freePort();
    await form.getByLabel('Fixed callback port (optional)').fill(String(port));
    await saveScreenshot(page, 'connections-advanced-light');
    await chooseTheme(page, 'dark', 'Connections');
    await form.getByText('Advanced').click();
    await form.getByLabel('Don’t send the resource parameter').check();
    await form.getByLabel('Fixed callback port (optional)').fill(String(port));
    await saveScreenshot(page, 'connections-advanced-dark');
    await chooseTheme(page, 'light', 'Connections');
    await form.getByText('Advanced').click();
    await form.getByLabel('Don’t send the resource parameter').check();
    await form.getByLabel('Fixed callback port (optional)').fill(String(port));

    const registrations = world.as.registrations.length;
    await startConnect('This computer’s browser');
    // The registration made for the earlier sign-ins names no fixed port: the window offers to register again, as the CLI hints --reregister.
    await progress().getByText('registration.outdated').waitFor();
    await progress().getByRole('button', { name: 'Register again and connect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register Latchkey again?' });
    await dialog.getByRole('button', { name: 'Register again and connect' }).click();
    await progress().getByRole('status').getByText('Connected.').waitFor();
    await closeFlow();
    expect(world.as.registrations.length).toBe(registrations + 1);
    const authorization = new URL(opened.at(-1)!);
    expect(authorization.searchParams.has('resource')).toBe(false);
    expect(authorization.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
    const [connection] = await ui.daemon.wallet.listConnections();
    expect(connection).toMatchObject({ sendResource: false, callbackPort: port });
    expect(connection?.signIn).toBeUndefined();
  }, 120_000);

  it('asks first, then registers anew at the AS and signs in, with the same progress', async () => {
    const registrations = world.as.registrations.length;
    const clientId = (await ui.daemon.wallet.listConnections())[0]?.clientId;
    await registerAgain();
    await progress().getByRole('status').getByText('Connected.').waitFor();
    const steps = await progress().getByRole('list', { name: 'Steps' }).getByRole('listitem').evaluateAll((items) =>
      items.map((item) => (item as unknown as { dataset: Record<string, string> }).dataset['step']),
    );
    expect(steps).toContain('registered');
    expect(world.as.registrations.length).toBe(registrations + 1);
    expect((await ui.daemon.wallet.listConnections())[0]?.clientId).not.toBe(clientId);
    await closeFlow();
  }, 120_000);

  it('is refused for a client the owner registered, with the wallet’s reason', async () => {
    await ui.daemon.wallet.setClient({ issuer: world.issuer, clientId: 'registered-by-hand', tokenEndpointAuthMethod: 'none' });
    await registerAgain();
    await progress().getByText('registration.pre_registered').waitFor();
    expect(await progress().getByRole('status').innerText()).toContain('registered by you');
    await saveScreenshot(page, 'connections-register-again-refused-light');
    await chooseTheme(page, 'dark', 'Connections');
    await progress().getByText('registration.pre_registered').waitFor();
    await saveScreenshot(page, 'connections-register-again-refused-dark');
    await chooseTheme(page, 'light', 'Connections');
    await closeFlow();
    await ui.watch.expectClean();
  }, 60_000);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
