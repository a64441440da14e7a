/**
 * The tray and the notifications in a real Electron: a new approval raises one notification
 * (observed in the main process), the real Tray's context menu lists it, and clicking its
 * Approve item there decides it on the host: the waiting agent gets its answer.
 * What the app hands Electron is recorded by desktop-app.ts's recordTrayAndNotices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestEnrolment } from '../../electron/agent/bridge-client/client.js';
import { clickTrayItem, createProfile, launchApp, recordTrayAndNotices, trayLabels, type Profile, type RunningApp, type Seen } from './desktop-app.js';


let profile: Profile;
let running: RunningApp;

beforeAll(async () => {
  profile = await createProfile();
  running = await launchApp(profile, {}, await recordTrayAndNotices(profile));
});

afterAll(async () => {
  await running?.quit();
  await profile?.remove();
});

const labels = (): Promise<string[]> => trayLabels(running.app);

describe('tray and notifications', () => {
  it('a new approval raises one notification and a tray entry whose Approve decides it on the host', async () => {
    expect(await labels()).toContain('Latchkey: nothing waits for you');
    const enrolment = requestEnrolment({ socketPath: profile.bridgeSocket }, { name: 'nightly-report' }, 60_000);
    enrolment.catch(() => undefined); // awaited below; never unhandled if the test stops first
    await expect.poll(labels).toContain('Latchkey: 1 approval waiting');
    const notices = await running.app.evaluate(() => (globalThis as unknown as { latchkeyDesktopSeen: Seen }).latchkeyDesktopSeen.notices);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.title).toContain('nightly-report');

    // Click Approve in the approval's submenu of the real tray menu, in the main process.
    const clicked = await clickTrayItem(running.app, 'nightly-report', 'Approve');
    expect(clicked).toBe('Approve');
    const answer = await enrolment;
    expect(answer.secret).toEqual(expect.any(String));
    await expect.poll(labels).toContain('Latchkey: nothing waits for you');
    expect(await running.window.evaluate(() => (globalThis as unknown as { latchkey: { call: (m: string, p: unknown) => Promise<{ name: string }[]> } }).latchkey.call('listAgents', {}).then((agents) => agents.map((a) => a.name)))).toEqual(['nightly-report']);
  });
});
