/**
 * Against the test world, in the real Electron app: an agent's consent request from a real
 * `latchkey run` is approved in the window (the owner connects with the CLI, which talks to the
 * host the app started; the approval appears without a reload; Approve once hands the agent its
 * token), a URL elicitation is decided from the real tray menu (the counting page sees exactly
 * one visit, after the click: E9), and a grant is revoked in the window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { startWorld, type World } from '../world/index.js';
import { servePage } from '../support/page-server.js';
import { runCli, startCli } from '../support/run-cli.js';
import { postElicitation } from '../e2e/ui/elicitation-agent.js';
import { openScreen } from '../e2e/ui/support.js';
import { clickTrayItem, createProfile, launchApp, recordTrayAndNotices, trayLabels, type Profile, type RunningApp } from './desktop-app.js';

const MAIN = resolve(import.meta.dirname, '../../electron/cli/main.ts');

let world: World;
let profile: Profile;
let running: RunningApp;
let env: Record<string, string>;

beforeAll(async () => {
  world = await startWorld();
  profile = await createProfile();
  env = { ...profile.env, ...world.browserRelayEnv(), LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1' };
  running = await launchApp(profile, env, await recordTrayAndNotices(profile));
});

afterAll(async () => {
  await running?.quit();
  await profile?.remove();
  await world?.close();
});

async function cli(args: string[]): Promise<string> {
  const result = await runCli(args, env);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

describe('a consent from a real latchkey run, approved in the desktop window', () => {
  it('latchkey run → approval in the window → Approve once → the agent gets its token', async () => {
    await cli(['connect', world.mcpUrl]);
    await cli(['agent', 'add', 'agent-b']);
    const asking = startCli(['run', '--agent', 'agent-b', '--', process.execPath, '--import', 'tsx', MAIN, 'token', world.mcpUrl], env);
    const card = running.window.getByRole('article', { name: 'agent-b asks for a token' });
    await card.waitFor();
    expect(await card.innerText()).toContain(world.mcpUrl);
    await card.getByRole('button', { name: 'Approve once' }).click();
    const answered = await asking.done;
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stdout.trim()).not.toBe('');
    await card.waitFor({ state: 'detached' });
  });
  it('E9: a URL elicitation decided from the tray menu opens its page exactly once, after the click', async () => {
    const counting = await servePage('<p>pay here</p>');
    try {
      const secret = (await cli(['agent', 'add', 'pager'])).trim();
      const server = world.mcpUrl;
      await cli(['grant', 'add', 'pager', server, '--scope', 'mcp:read', '--ttl', '15m']);
      const page = `http://127.0.0.1:${counting.port}/checkout`;
      const asked = postElicitation(profile.bridgeSocket, secret, { server, url: page, message: 'Confirm the payment.' });
      await expect.poll(() => trayLabels(running.app)).toContain('Latchkey: 1 approval waiting');
      expect(counting.paths).toEqual([]);
      expect(await clickTrayItem(running.app, 'pager', 'Open page')).toBe('Open page');
      expect((await asked).action).toBe('accept');
      await expect.poll(() => counting.paths).toEqual(['/checkout']);
      await expect.poll(() => trayLabels(running.app)).toContain('Latchkey: nothing waits for you');
      expect(counting.paths).toEqual(['/checkout']);
    } finally {
      await counting.close();
    }
  });
  it('a grant is revoked in the window, and the host has it no more', async () => {
    await cli(['grant', 'add', 'agent-b', world.mcpUrl, '--scope', 'mcp:read', '--ttl', '15m']);
    await openScreen(running.window, 'Agents');
    const agentCard = running.window.getByRole('article', { name: 'agent-b' });
    const row = agentCard.getByRole('row').filter({ hasText: world.mcpUrl });
    await row.getByRole('button', { name: 'Revoke grant' }).click();
    await running.window.getByRole('dialog', { name: 'Revoke this grant?' }).getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached' });
    // The one grant left is pager's (the test above); agent-b's is gone on the host.
    const left = JSON.parse(await cli(['grant', 'list', '--json'])) as { scopes: string[]; resource: string }[];
    expect(left).toHaveLength(1);
  });
});
