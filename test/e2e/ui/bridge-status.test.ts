/**
 * The sidebar's status for the host and the bridge, in Chromium through the headless
 * host: the owner's `status` carries the daemon's bridge (socket and 127.0.0.1 port) and the window
 * shows it; once the bridge stops, the window says agents cannot get tokens and how to fix it.
 */
import { describe, expect, it } from 'vitest';
import { useUiSuite } from './support.js';

const suite = useUiSuite({ tcp: true });

describe('the sidebar shows the host and the bridge', () => {
  it('a running daemon: Latchkey is running, and the bridge names its socket and 127.0.0.1 port', async () => {
    const { ui, page } = suite;
    const url = ui.daemon.bridge.url!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/u);
    const bridge = page.getByRole('status', { name: 'Bridge status' });
    await bridge.getByText(`Bridge: socket + ${url.slice('http://'.length)}`).waitFor();
    expect(await bridge.getAttribute('title')).toBe(`${ui.daemon.bridge.socketPath!}  ${url}`);
    expect(await page.getByRole('status', { name: 'Latchkey status' }).innerText()).toContain('Latchkey is running');
    await ui.watch.expectClean();
  });

  it('the bridge stopped: the window says agents cannot get tokens and to start latchkey daemon', async () => {
    const { ui, page } = suite;
    await ui.daemon.bridge.close();
    await page.reload();
    const bridge = page.getByRole('status', { name: 'Bridge status' });
    await bridge.getByText('Bridge: not running — agents cannot get tokens; start `latchkey daemon`').waitFor();
    expect(await bridge.getAttribute('class')).toContain('host-bad');
    expect(await page.getByRole('status', { name: 'Latchkey status' }).innerText()).toContain('Latchkey is running');
    await ui.watch.expectClean();
  });
});
