/**
 * The sidebar's status for the host and the bridge, in Chromium through the headless
 * host: the owner's `status` carries the daemon's bridge (socket and 127.0.0.1 port) and the window
 * shows it; once the bridge stops, the window says agents cannot get tokens and how to fix it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../../world/index.js';
import { startUi, type UiFixture } from './support.js';

let world: World;
let ui: UiFixture;
let page: Page;

beforeAll(async () => {
  world = await startWorld();
  ui = await startUi(world, { tcp: true });
  page = ui.page;
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await world?.close();
});

describe('the sidebar shows the host and the bridge', () => {
  it('a running daemon: Latchkey is running, and the bridge names its socket and 127.0.0.1 port', async () => {
    const url = ui.daemon.bridge.url!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/u);
    const bridge = page.getByRole('status', { name: 'Bridge status' });
    await bridge.getByText(`Bridge: socket + ${url.slice('http://'.length)}`).waitFor();
    expect(await bridge.getAttribute('title')).toBe(`${ui.daemon.bridge.socketPath!}  ${url}`);
    expect(await page.getByRole('status', { name: 'Latchkey status' }).innerText()).toContain('Latchkey is running');
    await ui.watch.expectClean();
  });

  it('the bridge stopped: the window says agents cannot get tokens and to start latchkey daemon', async () => {
    await ui.daemon.bridge.close();
    await page.reload();
    const bridge = page.getByRole('status', { name: 'Bridge status' });
    await bridge.getByText('Bridge: not running — agents cannot get tokens; start `latchkey daemon`').waitFor();
    expect(await bridge.getAttribute('class')).toContain('host-bad');
    expect(await page.getByRole('status', { name: 'Latchkey status' }).innerText()).toContain('Latchkey is running');
    await ui.watch.expectClean();
  });
});
