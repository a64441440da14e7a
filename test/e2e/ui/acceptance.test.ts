/**
 * URL elicitation and step-up in the window: real MCP SDK test servers (test/world/elicitation-servers.ts,
 * test/world/scoped-server.ts) ask an agent's `latchkey mcp` for pages and scopes; the agent is an
 * MCP SDK Client behind startMcpProxy (in-process, the bridge as its token source and its
 * elicitation port); the owner decides in the window with Playwright. The agent gets the server's
 * result or a decline and never receives a URL; a page is visited 0 times before "Open page" and
 * once after (E9); the audit shows every decision and names sites, never URLs.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpError, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridgeClient } from '../../../electron/agent/bridge-client/client.js';
import { bridgeTokenSource, startMcpProxy } from '../../../electron/agent/proxy/index.js';
import { ErrorCode, type LatchkeyError } from '../../../shared/errors.js';
import { startElicitationServer, type ElicitationServer } from '../../world/elicitation-servers.js';
import { startWorld, type World } from '../../world/index.js';
import { FILES_READ, FILES_WRITE, startScopedServer, type ScopedServer } from '../../world/scoped-server.js';
import { PageOpener } from './page-opener.js';
import { openScreen, startUi, type UiFixture } from './support.js';

const CALL_TIMEOUT_MS = 90_000;
const AGENT = 'agent-w';
let world: World;
let pages: ElicitationServer;
/** Sends no completion notification: only "Retry now" moves the agent's request on. */
let quiet: ElicitationServer;
let files: ScopedServer;
let ui: UiFixture;
let page: Page;
let secret: string;

beforeAll(async () => {
  world = await startWorld();
  const auth = { issuer: world.issuer, jwksUri: world.as.jwksUri };
  pages = await startElicitationServer({ auth });
  quiet = await startElicitationServer({ auth, notifyCompletion: false });
  for (const server of [pages, quiet]) world.as.addResourceServer(server.url, ['mcp:read']);
  files = await startScopedServer(world);
  ui = await startUi(world, { opener: new PageOpener(world) });
  page = ui.page;
  const { wallet } = ui.daemon;
  for (const server of [pages.url, quiet.url, files.url]) await wallet.connect({ url: server });
  secret = (await wallet.enrolAgent({ name: AGENT })).secret;
  for (const server of [pages.url, quiet.url]) await wallet.createGrant({ agent: AGENT, resource: server, scopes: ['mcp:read'] });
  await wallet.createGrant({ agent: AGENT, resource: files.url, scopes: [FILES_READ] });
}, 120_000);

afterAll(async () => {
  await ui?.close();
  await Promise.all([pages?.close(), quiet?.close(), files?.close()]);
  await world?.close();
});

interface Agent {
  client: Client;
  /** Every message the agent received after initialize. */
  received: JSONRPCMessage[];
  reports: LatchkeyError[];
  close(): Promise<void>;
}

/** An MCP SDK client behind `latchkey mcp` for `server`, as the enrolled agent. */
async function startAgent(server: string, agentSecret = secret): Promise<Agent> {
  const bridge = createBridgeClient({ socketPath: ui.daemon.bridge.socketPath, secret: agentSecret, timeoutMs: CALL_TIMEOUT_MS });
  const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
  const reports: LatchkeyError[] = [];
  const proxy = await startMcpProxy({
    url: new URL(server),
    tokens: bridgeTokenSource(bridge, server),
    elicitations: bridge,
    local: proxySide,
    report: (error) => reports.push(error),
  });
  const client = new Client({ name: AGENT, version: '1.0.0' });
  await client.connect(clientSide);
  const received: JSONRPCMessage[] = [];
  const deliver = clientSide.onmessage;
  clientSide.onmessage = (message, extra) => {
    received.push(message);
    deliver?.(message, extra);
  };
  return {
    client,
    received,
    reports,
    close: async () => {
      await client.close();
      await proxy.done;
      bridge.close();
    },
  };
}

async function callTool(agent: Agent, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = (await agent.client.callTool({ name, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS })) as {
    content: Array<{ type: string; text?: string }>;
    isError?: boolean;
  };
  expect(result.isError, JSON.stringify(result)).not.toBe(true);
  return result.content.map((item) => item.text ?? '').join('');
}

function pageCard(server: ElicitationServer) {
  return page.getByRole('article', { name: `${AGENT} asks you to open a page` }).filter({ hasText: new URL(server.url).host });
}

function expectNoUrl(agent: Agent, server: ElicitationServer): void {
  expect(agent.received.length).toBeGreaterThan(0);
  const seen = JSON.stringify(agent.received);
  expect(seen).not.toContain('/page/');
  expect(seen).not.toContain(`${server.origin}/page`);
}

describe('pages and scopes: real MCP servers ask, the owner decides in the window', () => {
  it('E1 E9 (2025-11-25 elicitation/create): "Open page" → visited once → the server gets accept; the agent never sees the URL', async () => {
    const agent = await startAgent(pages.url);
    const calling = callTool(agent, 'open_page');
    const card = pageCard(pages);
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('Sign in to the example service to continue.');
    expect(text).toContain(`${pages.origin}/page/`);
    expect(pages.counts.totalPageVisits).toBe(0);
    const visit = pages.nextPageVisit();
    await card.getByRole('button', { name: 'Open page' }).click();
    await visit;
    expect(await calling).toBe('action: accept');
    expect(pages.counts.totalPageVisits).toBe(1);
    expectNoUrl(agent, pages);
    await agent.close();
  });

  it('E1 (-32042 + completion): "Open page" → visited → the completion retries the call → the server\'s result', async () => {
    const agent = await startAgent(pages.url);
    const calling = callTool(agent, 'guarded_page');
    const card = pageCard(pages);
    await card.waitFor();
    expect(await card.innerText()).toContain('Link your account first.');
    const visits = pages.counts.totalPageVisits;
    await card.getByRole('button', { name: 'Open page' }).click();
    expect(await calling).toBe('guarded: done');
    expect(pages.counts.totalPageVisits).toBe(visits + 1);
    expectNoUrl(agent, pages);
    // A retry card raised while the page was open went away with the completion.
    await page.getByRole('article').filter({ hasText: new URL(pages.url).host }).waitFor({ state: 'detached' });
    await agent.close();
  });

  it('E1 (-32042, no completion): after "Open page" the window offers "Retry now" → the retried call succeeds', async () => {
    const agent = await startAgent(quiet.url);
    const calling = callTool(agent, 'guarded_page');
    await pageCard(quiet).getByRole('button', { name: 'Open page' }).click();
    const host = new URL(quiet.url).host;
    const retry = page.getByRole('article', { name: `${AGENT}'s request to ${host} waits for you to finish on 127.0.0.1` });
    await retry.getByRole('button', { name: 'Retry now' }).click();
    expect(await calling).toBe('guarded: done');
    expect(quiet.counts.totalPageVisits).toBe(1);
    expect(quiet.counts.toolCalls['guarded_page']).toBe(2);
    expectNoUrl(agent, quiet);
    await agent.close();
  });

  it('E2 (2026-07-28 input_required): "Decline" → the retry carries decline; nothing is visited', async () => {
    const agent = await startAgent(pages.url);
    const visits = pages.counts.totalPageVisits;
    const calling = callTool(agent, 'input_page');
    await pageCard(pages).getByRole('button', { name: 'Decline' }).click();
    expect(await calling).toBe('input: decline');
    expect(pages.counts.totalPageVisits).toBe(visits);
    expectNoUrl(agent, pages);
    await agent.close();
  });

  it('T3 step-up: 403 insufficient_scope → "Decline" → the agent gets StepUpDeclined; the next call is refused without asking', async () => {
    const { secret: other } = await ui.daemon.wallet.enrolAgent({ name: 'agent-x' });
    await ui.daemon.wallet.createGrant({ agent: 'agent-x', resource: files.url, scopes: [FILES_READ] });
    const agent = await startAgent(files.url, other);
    const write = () =>
      agent.client.callTool({ name: 'write_file', arguments: { name: 'x.txt', text: 'x' } }, undefined, { timeout: CALL_TIMEOUT_MS }).then(
        (result) => result,
        (error: unknown) => error,
      );
    const codeOf = (error: unknown) => (error instanceof McpError ? (error.data as { latchkey_code?: string } | undefined)?.latchkey_code : error);
    const writing = write();
    const card = page.getByRole('article', { name: 'agent-x asks for more scopes' });
    expect(await card.innerText()).toContain('If you decline, Latchkey remembers it');
    await card.getByRole('button', { name: 'Decline' }).click();
    expect(codeOf(await writing)).toBe(ErrorCode.StepUpDeclined);
    const raised = (await ui.daemon.wallet.queryAudit({ type: 'approval.raised' })).length;
    expect(codeOf(await write())).toBe(ErrorCode.StepUpDeclined);
    expect((await ui.daemon.wallet.queryAudit({ type: 'approval.raised' })).length).toBe(raised);
    expect(files.written).toEqual([]);
    await agent.close();
  });

  it('T3 step-up: 403 insufficient_scope → "Sign in again to grant" → re-authorized → the retried call succeeds', async () => {
    const agent = await startAgent(files.url);
    const writing = callTool(agent, 'write_file', { name: 'a.txt', text: 'hello' });
    const card = page.getByRole('article', { name: `${AGENT} asks for more scopes` });
    await card.waitFor();
    expect(await card.getByRole('list', { name: 'Agent holds now' }).innerText()).toContain(FILES_READ);
    expect(await card.getByRole('list', { name: 'Agent holds after' }).locator('[data-added="true"]').innerText()).toContain(FILES_WRITE);
    const signIn = world.opener.nextFlow();
    await card.getByRole('button', { name: 'Sign in again to grant' }).click();
    expect((await signIn).steps).toContain('consent');
    expect(await writing).toBe('wrote a.txt');
    expect(files.written).toEqual([{ name: 'a.txt', text: 'hello' }]);
    await agent.close();
  });

  it('the audit shows every decision and names sites, never page URLs; Activity shows them', async () => {
    const audit = await ui.daemon.wallet.queryAudit({});
    expect(JSON.stringify(audit)).not.toContain('/page/');
    const decided = audit.filter((e) => e.type === 'approval.decided' && e.agentName === AGENT);
    expect(decided.map((e) => e.outcome)).toEqual(expect.arrayContaining(['ok', 'denied']));
    expect(decided.every((e) => e.actor === 'owner' || e.actor === 'agent')).toBe(true);
    expect(audit.filter((e) => e.type === 'elicitation.opened' && e.outcome === 'ok').map((e) => e.site)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(audit.some((e) => e.type === 'step-up.completed' && e.agentName === AGENT)).toBe(true);
    await openScreen(page, 'Activity');
    await page.getByRole('table', { name: 'Audit log' }).getByRole('row').filter({ hasText: 'elicitation.opened' }).first().waitFor();
    expect(await page.getByRole('table', { name: 'Audit log' }).innerText()).not.toContain('/page/');
    await openScreen(page, 'Approvals');
    await ui.watch.expectClean();
  });
});
