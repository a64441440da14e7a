/**
 * An agent's consent request from a real `latchkey run` against the test world, approved in the
 * real Electron window: the owner connects with the CLI (which talks to the host the app
 * started), an agent without a grant asks for a token, the approval appears in the window
 * without a reload, Approve once hands the agent its token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { startWorld, type World } from '../world/index.js';
import { runCli, startCli } from '../support/run-cli.js';
import { createProfile, launchApp, type Profile, type RunningApp } from './desktop-app.js';

const MAIN = resolve(import.meta.dirname, '../../electron/cli/main.ts');

let world: World;
let profile: Profile;
let running: RunningApp;
let env: Record<string, string>;

beforeAll(async () => {
  world = await startWorld();
  profile = await createProfile();
  env = { ...profile.env, ...world.browserRelayEnv(), LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1' };
  running = await launchApp(profile, env);
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
});
