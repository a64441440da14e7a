/**
 * An owner change made outside the window reaches it live and is audited: with the window open
 * on Agents in Chromium through the headless host, the owner edits a grant with the real
 * `latchkey` CLI, which reaches the same daemon over its owner socket. The grant's row changes
 * without a reload, and `latchkey audit` lists the edit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_READ, startWorld, type World } from '../../world/index.js';
import { runCli } from '../../support/run-cli.js';
import { openScreen, startUi, type UiFixture } from './support.js';

let world: World;
let ui: UiFixture;
let page: Page;
let cliHome: string;

beforeAll(async () => {
  world = await startWorld();
  ui = await startUi(world);
  page = ui.page;
  cliHome = await mkdtemp(join(tmpdir(), 'latchkey-cli-'));
}, 60_000);

afterAll(async () => {
  await ui?.close();
  await world?.close();
  if (cliHome !== undefined) await rm(cliHome, { recursive: true, force: true });
});

/** The real CLI, finding the daemon by its runtime directory. */
function latchkey(args: string[]) {
  return runCli(args, { LATCHKEY_HOME: cliHome, LATCHKEY_RUNTIME_DIR: dirname(ui.daemon.owner.socketPath), LATCHKEY_VAULT: 'memory', PATH: process.env['PATH'] });
}

describe('owner changes outside the window', () => {
  it('owner grant edits are audited and reach an open window live', { timeout: 90_000 }, async () => {
    const { agent } = await ui.daemon.wallet.enrolAgent({ name: 'live-bot' });
    const grant = await ui.daemon.wallet.createGrant({ agent: agent.id, resource: world.mcpUrl, scopes: [MCP_READ] });
    await openScreen(page, 'Agents');
    const row = page.getByRole('article', { name: 'live-bot' }).getByRole('row').filter({ hasText: world.mcpUrl });
    await row.getByRole('cell', { name: 'allow', exact: true }).waitFor();
    // The page must not load again: a reload would show the change without any live event.
    let loads = 0;
    page.on('load', () => (loads += 1));

    const edited = await latchkey(['grant', 'edit', grant.id, '--ask']);
    expect(edited.code, edited.stderr).toBe(0);

    await row.getByRole('cell', { name: 'ask each time', exact: true }).waitFor({ timeout: 10_000 });
    expect(loads).toBe(0);

    const audit = await latchkey(['audit', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    const entries = JSON.parse(audit.stdout) as Array<{ type: string; agentId?: string; resource?: string; actor?: string }>;
    expect(entries).toContainEqual(expect.objectContaining({ type: 'grant.updated', agentId: agent.id, resource: world.mcpUrl, actor: 'owner' }));
    await ui.watch.expectClean();
  });
});
