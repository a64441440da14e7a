/**
 * URL elicitation for agents end to end through real processes: `latchkey daemon` (wallet
 * + bridge, its Opener drives the world's Chromium through BROWSER), the owner's CLI, and an MCP
 * SDK agent started by `latchkey run` that reaches a real MCP SDK elicitation server (behind the
 * world's AS) through `latchkey mcp`. The agent never receives the URL; the page is visited 0
 * times before the owner approves and once after (E9); the audit names the site, never the URL.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, AuditEvent } from '../../shared/agents.js';
import { startElicitationServer, type ElicitationServer } from '../world/elicitation-servers.js';
import { startWorld, type World } from '../world/index.js';
import { startCliDaemon, waitForPendingApproval, type CliDaemon } from '../support/cli-daemon.js';
import { runCli, startCli, type RunningCli } from '../support/run-cli.js';

const AGENT = resolve(import.meta.dirname, 'fixtures/elicitation-agent.mjs');
let world: World;
let pages: ElicitationServer;
let setup: CliDaemon;
let env: Record<string, string>;

beforeAll(async () => {
  world = await startWorld();
  pages = await startElicitationServer({ auth: { issuer: world.issuer, jwksUri: world.as.jwksUri }, browserFlow: true });
  world.as.addResourceServer(pages.url, ['mcp:read']);
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-elicit-' });
  ({ env } = setup);
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await pages?.close();
  await world?.close();
});

const cli = (args: string[]): Promise<string> => setup.cli(args);
const pendingApproval = (kind: Approval['kind'], seen: ReadonlySet<string>): Promise<Approval> =>
  waitForPendingApproval(env, (a) => a.kind === kind && !seen.has(a.id));

interface AgentOutput {
  text?: string;
  isError?: boolean;
  error?: { code: number; message: string; latchkey_code?: string };
  received: unknown[];
}

async function agentOutput(run: RunningCli): Promise<AgentOutput> {
  const result = await run.done;
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).not.toContain('/page/');
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as AgentOutput;
}

describe('URL elicitation through latchkey mcp, real processes', () => {
  it('E1 E2 E9: -32042 approved, Chromium visits the page once, the request is retried; declines reach the server; the agent never sees the URL', async () => {
    await cli(['connect', pages.url]);
    await cli(['agent', 'add', 'agent-e']);
    await cli(['grant', 'add', 'agent-e', pages.url, '--scope', 'mcp:read', '--ttl', '15m']);
    const seen = new Set<string>();

    // -32042: the tool needs a page first.
    const guarded = startCli(['run', '--agent', 'agent-e', '--', process.execPath, AGENT, pages.url, 'guarded_page'], env);
    const open = await pendingApproval('url-elicitation', seen);
    seen.add(open.id);
    expect(open).toMatchObject({ agentName: 'agent-e', resource: pages.url, message: 'Link your account first.' });
    expect(open.url?.startsWith(`${pages.origin}/page/`)).toBe(true);
    expect(pages.counts.totalPageVisits).toBe(0);
    const visit = pages.nextPageVisit();
    await cli(['approve', open.id]);
    await visit;
    const done = await agentOutput(guarded);
    expect(done).toMatchObject({ text: 'guarded: done', isError: false });
    expect(JSON.stringify(done.received)).not.toContain('/page/');
    expect(pages.counts.totalPageVisits).toBe(1);
    expect(pages.counts.toolCalls['guarded_page']).toBe(2);
    // A retry approval raised before the completion arrived was withdrawn by it.
    const afterGuarded = JSON.parse(await cli(['approvals', '--json'])) as Approval[];
    expect(afterGuarded.filter((a) => a.status === 'pending')).toEqual([]);

    // elicitation/create: the owner declines; the server gets decline, nothing is visited.
    const asking = startCli(['run', '--agent', 'agent-e', '--', process.execPath, AGENT, pages.url, 'open_page'], env);
    const second = await pendingApproval('url-elicitation', seen);
    seen.add(second.id);
    await cli(['deny', second.id]);
    const declined = await agentOutput(asking);
    expect(declined).toMatchObject({ text: 'action: decline', isError: false });
    expect(JSON.stringify(declined.received)).not.toContain('/page/');
    expect(pages.counts.actions).toEqual(['decline']);
    expect(pages.counts.totalPageVisits).toBe(1);

    // 2026-07-28 input_required: the owner declines; the retry carries decline, the server judges it.
    const refused = startCli(['run', '--agent', 'agent-e', '--', process.execPath, AGENT, pages.url, 'input_page'], env);
    const third = await pendingApproval('url-elicitation', seen);
    await cli(['deny', third.id]);
    const refusedOutput = await agentOutput(refused);
    expect(refusedOutput).toMatchObject({ text: 'input: decline', isError: false });
    expect(JSON.stringify(refusedOutput.received)).not.toContain('/page/');

    // The audit shows every decision and names the site, never the URL.
    const audit = JSON.parse(await cli(['audit', '--json'])) as AuditEvent[];
    expect(JSON.stringify(audit)).not.toContain('/page/');
    const decided = audit.filter((e) => e.type === 'approval.decided' && e.agentName === 'agent-e');
    expect(decided.map((e) => e.outcome)).toEqual(expect.arrayContaining(['ok', 'denied']));
    expect(audit.some((e) => e.type === 'elicitation.opened' && e.outcome === 'ok' && e.site !== undefined)).toBe(true);
    expect((await runCli(['audit', 'verify'], env)).code).toBe(0);
  }, 240_000);
});
