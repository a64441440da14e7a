/**
 * The tray and the notifications in a real Electron: a new approval raises one notification
 * (observed in the main process), the real Tray's context menu lists it, and clicking its
 * Approve item there decides it on the host: the waiting agent gets its answer.
 *
 * What the app hands Electron is recorded by a hook loaded into the main process before the app
 * (`--require=<file>`, which the test runtime's loader honours like stock Electron's `-r`; the
 * runtime ignores NODE_OPTIONS' --require in the main process): it wraps Tray#setContextMenu and
 * Notification#show and keeps what they were given on the main process's global.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestEnrolment } from '../../electron/agent/bridge-client/client.js';
import { createProfile, launchApp, type Profile, type RunningApp } from './desktop-app.js';

const HOOK = `'use strict';
const electron = require('electron');
const seen = (globalThis.latchkeyDesktopSeen = { menus: [], notices: [] });
const setContextMenu = electron.Tray.prototype.setContextMenu;
electron.Tray.prototype.setContextMenu = function (menu) {
  seen.menus.push(menu);
  return setContextMenu.call(this, menu);
};
// No notification server runs under Xvfb, so Electron says notifications are unsupported; the
// app would then show none. Say they are, to observe each one the app raises.
electron.Notification.isSupported = () => true;
const show = electron.Notification.prototype.show;
electron.Notification.prototype.show = function () {
  seen.notices.push({ title: this.title, body: this.body });
  return show.call(this);
};
`;

interface Seen {
  menus: { items: { label: string; submenu?: { items: { label: string; click: () => void }[] } }[] }[];
  notices: { title: string; body: string }[];
}

let profile: Profile;
let running: RunningApp;

beforeAll(async () => {
  profile = await createProfile();
  const hook = join(profile.base, 'record-tray-and-notices.cjs');
  await writeFile(hook, HOOK);
  running = await launchApp(profile, {}, [`--require=${hook}`]);
});

afterAll(async () => {
  await running?.quit();
  await profile?.remove();
});

/** The labels of the tray menu's last version. */
function trayLabels(): Promise<string[]> {
  return running.app.evaluate(() => {
    const seen = (globalThis as unknown as { latchkeyDesktopSeen: Seen }).latchkeyDesktopSeen;
    return seen.menus.at(-1)?.items.map((item) => item.label) ?? [];
  });
}

describe('tray and notifications', () => {
  it('a new approval raises one notification and a tray entry whose Approve decides it on the host', async () => {
    expect(await trayLabels()).toContain('Latchkey: nothing waits for you');
    const enrolment = requestEnrolment({ socketPath: profile.bridgeSocket }, { name: 'nightly-report' }, 60_000);
    enrolment.catch(() => undefined); // awaited below; never unhandled if the test stops first
    await expect.poll(trayLabels).toContain('Latchkey: 1 approval waiting');
    const notices = await running.app.evaluate(() => (globalThis as unknown as { latchkeyDesktopSeen: Seen }).latchkeyDesktopSeen.notices);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.title).toContain('nightly-report');

    // Click Approve in the approval's submenu of the real tray menu, in the main process.
    const clicked = await running.app.evaluate(() => {
      const seen = (globalThis as unknown as { latchkeyDesktopSeen: Seen }).latchkeyDesktopSeen;
      const entry = seen.menus.at(-1)?.items.find((item) => item.submenu !== undefined && item.label.includes('nightly-report'));
      const approve = entry?.submenu?.items.find((item) => item.label === 'Approve');
      approve?.click();
      return approve?.label;
    });
    expect(clicked).toBe('Approve');
    const answer = await enrolment;
    expect(answer.secret).toEqual(expect.any(String));
    await expect.poll(trayLabels).toContain('Latchkey: nothing waits for you');
    expect(await running.window.evaluate(() => (globalThis as unknown as { latchkey: { call: (m: string, p: unknown) => Promise<{ name: string }[]> } }).latchkey.call('listAgents', {}).then((agents) => agents.map((a) => a.name)))).toEqual(['nightly-report']);
  });
});
