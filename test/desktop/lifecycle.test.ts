/**
 * The desktop app's life in a real Electron: it starts a wallet host when none runs (and
 * measures start-up and memory), closing the window leaves host and tray, a second launch
 * shows the first instance's window, quitting stops the host it started (the bridge socket goes),
 * a host it started that dies is replaced, a crash of the main process leaves the host serving, and a host already running
 * (`latchkey daemon`) is used and left running.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, waitForOutput } from '../support/run-cli.js';
import { APP_DIR, chromiumArgs, createProfile, electronBinary, hostPidOf, isAlive, launchApp, RESULTS_DIR, rssMiB, type Profile } from './desktop-app.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function profileForTest(): Promise<Profile> {
  const profile = await createProfile();
  cleanups.push(() => profile.remove());
  return profile;
}

describe('the desktop app over its wallet host', () => {
  it('starts a host when none runs, keeps it and the tray when the window closes, shows the window again on a second launch, and stops the host on quit', async () => {
    const profile = await profileForTest();
    const running = await launchApp(profile);
    cleanups.push(() => running.quit());
    const mainPid = running.app.process().pid ?? 0;
    const hostPid = await hostPidOf(mainPid);
    expect(hostPid, running.output()).toBeGreaterThan(0);
    expect(existsSync(profile.bridgeSocket)).toBe(true);

    // Start-up and memory, saved with the test results for the closing note.
    const rendererPid = await running.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.webContents.getOSProcessId() ?? 0);
    const metrics = {
      electron: '25.1.1 (test runtime)',
      startupToVisibleWindowMs: running.startupMs,
      rssMiB: { main: await rssMiB(mainPid), renderer: await rssMiB(rendererPid), host: await rssMiB(hostPid ?? 0) },
    };
    await mkdir(join(RESULTS_DIR, 'desktop'), { recursive: true });
    await writeFile(join(RESULTS_DIR, 'desktop', 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    expect(metrics.rssMiB.main).toBeGreaterThan(0);

    // Closing the window leaves the host and the tray.
    await running.app.evaluate(({ BrowserWindow }) => new Promise<void>((done) => {
      const shown = BrowserWindow.getAllWindows()[0];
      shown?.once('closed', () => done());
      shown?.close();
    }));
    expect(await running.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(0);
    expect(isAlive(hostPid ?? 0)).toBe(true);
    expect(existsSync(profile.bridgeSocket)).toBe(true);

    // A second launch hands over to the first instance, which shows its window again.
    const reopened = running.app.waitForEvent('window');
    const second = spawn(await electronBinary(), [...chromiumArgs(), APP_DIR], { env: { ...process.env, ...profile.env }, stdio: 'ignore' });
    const [code] = (await once(second, 'exit')) as [number | null];
    expect(code).toBe(0);
    await reopened;
    expect(await running.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);

    // Quitting stops the host it started: the bridge socket and the owner socket go.
    await running.quit();
    expect(existsSync(profile.bridgeSocket)).toBe(false);
    expect(existsSync(profile.ownerSocket)).toBe(false);
    expect(isAlive(hostPid ?? 0)).toBe(false);
  });

  it('a host it started that dies is replaced: the app starts another, its window is served by it, and quitting stops that one', async () => {
    const profile = await profileForTest();
    const running = await launchApp(profile);
    cleanups.push(() => running.quit());
    const mainPid = running.app.process().pid ?? 0;
    const first = (await hostPidOf(mainPid)) ?? 0;
    expect(first).toBeGreaterThan(0);
    const stderr = running.app.process().stderr;
    const restarted = new Promise<void>((resolve) => {
      const check = (): void => {
        if ((running.output().match(/started the wallet host/g) ?? []).length < 2) return;
        stderr?.off('data', check);
        resolve();
      };
      stderr?.on('data', check);
    });
    process.kill(first, 'SIGKILL');
    // Within the test's time, or the app's own words say why not (its host keeper may have given up).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no second host within 45 s; the app wrote:\n${running.output().slice(-4000)}`)), 45_000);
    });
    await Promise.race([restarted, late]).finally(() => clearTimeout(timer));
    const second = (await hostPidOf(mainPid)) ?? 0;
    expect(second, running.output()).toBeGreaterThan(0);
    expect(second).not.toBe(first);
    const status = await running.window.evaluate(() => (globalThis as unknown as { latchkey: { call: (m: string, p: unknown) => Promise<{ mode: string }> } }).latchkey.call('status', {}));
    expect(status.mode).toBe('keychain');
    await running.quit();
    expect(isAlive(second)).toBe(false);
    expect(existsSync(profile.ownerSocket)).toBe(false);
  });

  it('a crash of the main process leaves the host and its vault serving; the next start attaches to it', async () => {
    const profile = await profileForTest();
    const first = await launchApp(profile);
    const mainPid = first.app.process().pid ?? 0;
    const hostPid = (await hostPidOf(mainPid)) ?? 0;
    expect(hostPid).toBeGreaterThan(0);
    cleanups.push(async () => process.kill(hostPid, 'SIGTERM'));
    const gone = once(first.app.process(), 'exit');
    process.kill(mainPid, 'SIGKILL');
    await gone;
    expect(isAlive(hostPid)).toBe(true);
    const again = await launchApp(profile);
    cleanups.push(() => again.quit());
    // Attached, not started: the new main process has no host child, and the first host still runs.
    expect(await hostPidOf(again.app.process().pid ?? 0)).toBeUndefined();
    expect(isAlive(hostPid)).toBe(true);
    const status = await again.window.evaluate(() => (globalThis as unknown as { latchkey: { call: (m: string, p: unknown) => Promise<{ mode: string }> } }).latchkey.call('status', {}));
    expect(status.mode).toBe('keychain');
  });

  it('uses a latchkey daemon already running for the data directory and leaves it running on quit', async () => {
    const profile = await profileForTest();
    const daemon = startCli(['daemon', '--no-ui'], profile.env);
    cleanups.push(async () => {
      daemon.child.kill('SIGTERM');
      await daemon.done;
    });
    await waitForOutput(daemon, 'owner socket:');
    const running = await launchApp(profile);
    cleanups.push(() => running.quit());
    // Attached, not started: no host child of the app's main process.
    expect(await hostPidOf(running.app.process().pid ?? 0)).toBeUndefined();
    // The window works against the daemon's wallet.
    const agents = await running.window.evaluate(() => (globalThis as unknown as { latchkey: { call: (m: string, p: unknown) => Promise<unknown> } }).latchkey.call('listAgents', {}));
    expect(agents).toEqual([]);
    await running.quit();
    expect(existsSync(profile.bridgeSocket)).toBe(true);
    expect(daemon.child.exitCode).toBeNull();
  });
});
