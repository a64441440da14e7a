/**
 * Agents, grants and the bridge end to end, through real processes: `latchkey daemon` owns the wallet and the
 * bridge; the owner connects and enrols agents with the CLI; an MCP SDK client started by
 * `latchkey run --agent a -- node agent.mjs` calls a tool through `latchkey mcp`; an agent without
 * a grant raises an approval, is denied, and the audit shows both; revoking a grant stops the
 * next call. No token is ever in argv or on disk.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, AuditEvent, Grant } from '../../shared/agents.js';
import { startWorld, type World } from '../world/index.js';
import { startCliDaemon, waitForPendingApproval, type CliDaemon } from '../support/cli-daemon.js';
import { runCli, startCli, type RunningCli } from '../support/run-cli.js';

const AGENT = resolve(import.meta.dirname, 'fixtures/agent.mjs');
const MAIN = resolve(import.meta.dirname, '../../electron/cli/main.ts');
let world: World;
let setup: CliDaemon;
let home: string;
let runtimeDir: string;
let env: Record<string, string>;
let daemon: RunningCli;

beforeAll(async () => {
  world = await startWorld();
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-agents-' });
  ({ home, runtimeDir, env, daemon } = setup);
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await world?.close();
});

const cli = (args: string[]): Promise<string> => setup.cli(args);
const pendingApproval = (agentName: string): Promise<Approval> => waitForPendingApproval(env, (a) => a.agentName === agentName);

describe('agents, grants and the bridge end to end', () => {
  it('run → mcp proxy → tool call; no grant → approval → denied → audited; revoke stops the next call', async () => {
    // The owner connects through the daemon (its opener drives Chromium through BROWSER).
    await cli(['connect', world.mcpUrl]);
    const secretA = (await cli(['agent', 'add', 'agent-a'])).trim();
    expect(secretA).toMatch(/^lk_agent_/);
    await cli(['agent', 'add', 'agent-b']);
    await cli(['grant', 'add', 'agent-a', world.mcpUrl, '--scope', 'mcp:read', '--ttl', '15m']);

    // An MCP SDK client started by `latchkey run` calls a tool through `latchkey mcp`.
    const run = await runCli(['run', '--agent', 'agent-a', '--', process.execPath, AGENT, world.mcpUrl, 'hello from agent-a'], env);
    expect(run.code, run.stderr).toBe(0);
    const answer = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { text: string; tools: string[]; isError: boolean };
    expect(answer).toMatchObject({ isError: false });
    expect(answer.text).toContain('hello from agent-a');
    // The token was narrowed to the grant and bound to the server.
    expect(world.mcp.lastClaims).toMatchObject({ aud: world.mcpUrl, scope: 'mcp:read' });

    // Agent b has no grant: its request waits for the owner, who denies it.
    const asking = startCli(['run', '--agent', 'agent-b', '--', process.execPath, '--import', 'tsx', MAIN, 'token', world.mcpUrl], env);
    const approval = await pendingApproval('agent-b');
    expect(approval).toMatchObject({ kind: 'consent', resource: world.mcpUrl });
    await cli(['deny', approval.id]);
    const denied = await asking.done;
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('grant.denied');
    expect(denied.stdout).toBe('');

    // The audit shows the hand-out to a, and b's approval and denial.
    const audit = JSON.parse(await cli(['audit', '--json'])) as AuditEvent[];
    expect(audit.some((e) => e.type === 'token.issued' && e.agentName === 'agent-a' && e.tokenFingerprint?.startsWith('sha256:'))).toBe(true);
    expect(audit.some((e) => e.type === 'approval.raised' && e.agentName === 'agent-b')).toBe(true);
    expect(audit.some((e) => e.type === 'approval.decided' && e.agentName === 'agent-b' && e.outcome === 'denied')).toBe(true);
    expect((await runCli(['audit', 'verify'], env)).code).toBe(0);

    // Revoking a's grant stops its next call: no token without the owner.
    const grants = JSON.parse(await cli(['grant', 'list', '--json'])) as Grant[];
    await cli(['grant', 'revoke', grants.find((g) => g.resource === world.mcpUrl)!.id]);
    const after = startCli(['run', '--agent', 'agent-a', '--', process.execPath, AGENT, world.mcpUrl, 'again'], env);
    const second = await pendingApproval('agent-a');
    await cli(['deny', second.id]);
    const stopped = await after.done;
    expect(stopped.code).not.toBe(0);
    expect(stopped.stdout).not.toContain('again');

    // A program without a secret asks to enrol; the owner approves; it gets its secret once.
    const enrolling = startCli(['enrol', 'newbot'], { ...env, BROWSER: '' });
    const enrolment = await pendingApproval('newbot');
    expect(enrolment.kind).toBe('enrolment');
    await cli(['approve', enrolment.id]);
    const enrolled = await enrolling.done;
    expect(enrolled.code, enrolled.stderr).toBe(0);
    expect(enrolled.stdout.trim()).toMatch(/^lk_agent_/);
    expect(await cli(['agent', 'list', '--json'])).toContain('newbot');

    // No token on disk: nothing that looks like a JWT anywhere under the data or runtime dir.
    expect(await filesContaining([home, runtimeDir], 'eyJ')).toEqual([]);
  }, 240_000);

  it('the daemon stops cleanly and removes its sockets', async () => {
    daemon.child.kill('SIGTERM');
    const result = await daemon.done;
    expect(result.code).toBe(0);
    expect(existsSync(join(runtimeDir, 'bridge.sock'))).toBe(false);
    expect(existsSync(join(runtimeDir, 'owner.sock'))).toBe(false);
  });
});

async function filesContaining(dirs: string[], needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const dir of dirs) {
    for (const name of await readdir(dir, { recursive: true })) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() !== true) continue;
      if ((await readFile(path)).toString('latin1').includes(needle)) hits.push(path);
    }
  }
  return hits;
}
