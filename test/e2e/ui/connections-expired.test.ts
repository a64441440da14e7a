/**
 * A connected server whose cached access token has expired, in Chromium through the headless host:
 * its row says "connected" and "expired", and that the next use refreshes it (it holds a refresh
 * token), as calm status text: muted, not the danger colour, not an alert, no "needs
 * re-authorization".
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ConnectionStore } from '../../../electron/wallet/connections/connection-store.js';
import { seedConnection } from '../../support/seed-connection.js';
import { openScreen, reopenWindow, useUiSuite } from './support.js';

const RESOURCE = 'https://expired.example.test/mcp';
const REFRESH_NOTE = 'still connected: the next use refreshes it';

const suite = useUiSuite({
  prepare: async (ui) => {
    const vault = ui.daemon.composed.vault;
    await seedConnection(vault, RESOURCE);
    const expiredAt = Date.now() - 60 * 60_000;
    await new ConnectionStore(vault).updateConnection({ resource: RESOURCE }, (record) => ({
      ...record,
      accessToken: { value: 'at-expired', expiresAt: expiredAt, scope: record.scopes, lifetimeSeconds: 900 },
    }));
    // The seed bypasses the wallet's owner changes (no live event), so open the window again with a
    // fresh sign-in link: it reads the connections as they are now.
    await reopenWindow(ui);
  },
});

/** The computed text colour of the first element matching `selector` in the page. */
function colourOf(page: Page, selector: string): Promise<string> {
  return page.locator(selector).first().evaluate((el) => (globalThis as unknown as { getComputedStyle(node: unknown): { color: string } }).getComputedStyle(el).color);
}

/** A CSS custom property of the page's root, resolved to the colour the browser computes for it. */
function themeColour(page: Page, variable: string): Promise<string> {
  return page.evaluate((name) => {
    const doc = (globalThis as unknown as { document: { createElement(tag: string): { style: { color: string }; remove(): void }; body: { append(node: unknown): void } } }).document;
    const probe = doc.createElement('span');
    probe.style.color = `var(${name})`;
    doc.body.append(probe);
    const colour = (globalThis as unknown as { getComputedStyle(node: unknown): { color: string } }).getComputedStyle(probe).color;
    probe.remove();
    return colour;
  }, variable);
}

describe('the window: an expired access token on a connected server', () => {
  it('the row says connected, expired and that the next use refreshes it, as status text and not as an error', async () => {
    const { ui, page } = suite;
    await openScreen(page, 'Connections');
    const row = page.getByRole('table', { name: 'Connections' }).getByRole('row').filter({ hasText: RESOURCE });
    await row.waitFor();
    const cells = row.getByRole('cell');
    expect(await cells.nth(1).innerText()).toBe('connected');
    const token = cells.nth(3);
    const tokenText = await token.innerText();
    expect(tokenText).toMatch(/^expired\s*\n?\s*still connected: the next use refreshes it$/u);
    expect(tokenText).not.toContain('no refresh token');
    expect(await row.innerText()).not.toContain('needs re-authorization');

    // Status text, not an error: no alert, nothing in the danger colour; the note is muted small print.
    expect(await row.getByRole('alert').count()).toBe(0);
    expect(await page.getByRole('region', { name: 'Notices' }).getByRole('alert').count()).toBe(0);
    expect(await row.locator('.status-bad, .notice, .load-error').count()).toBe(0);
    const note = token.getByText(REFRESH_NOTE);
    expect(await note.evaluate((el) => (el as unknown as { className: string }).className)).toBe('muted small-print');
    const rowSelector = `table[aria-label="Connections"] tr:has-text("${RESOURCE}")`;
    const [noteColour, expiredColour, statusColour, muted, danger, ok] = await Promise.all([
      colourOf(page, `${rowSelector} td:nth-child(4) .muted`),
      colourOf(page, `${rowSelector} td:nth-child(4)`),
      colourOf(page, `${rowSelector} td:nth-child(2) span`),
      themeColour(page, '--muted'),
      themeColour(page, '--danger'),
      themeColour(page, '--ok'),
    ]);
    expect(noteColour).toBe(muted);
    expect(statusColour).toBe(ok);
    for (const colour of [noteColour, expiredColour, statusColour]) expect(colour).not.toBe(danger);
    expect(await row.getByRole('button', { name: 'Re-authorize' }).getAttribute('class')).toBe('button small');
    await ui.watch.expectClean();
  });
});
