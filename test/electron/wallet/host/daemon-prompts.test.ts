/**
 * Enrolment phishing (T32) and approval-queue starvation (T33) against a running daemon (startDaemon: the real bridge on its Unix socket and
 * 127.0.0.1, the owner socket, a memory vault with a stored connection): every attacker and agent
 * is a real process, the second OS user is real (`runuser -u nobody`, so this file needs root and
 * Linux; skipped otherwise).
 *   T32: nobody cannot enrol (TCP refused, socket EACCES); the owner's own `latchkey enrol` goes
 *        over the socket and its approval shows that process's real pid, program and directory.
 *   T33: enrolment floods (another user over TCP, the owner's user over the socket) and one
 *        agent's elicitation flood (with servers it holds no grant for) leave other agents'
 *        consent requests raised and decidable: none gets 429.
 */
import { chmod, mkdtemp, realpath, rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Approval } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { startDaemon, type Daemon } from '../../../../electron/wallet/host/daemon.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { REPO_ROOT, runCli, startCli, type RunningCli } from '../../../support/run-cli.js';
import { seedConnection } from '../../../support/seed-connection.js';
import { isRoot, startBridgeClient, startEnrolClient, type BridgeAnswer, type BridgeClientProcess } from '../bridge/enrol-client.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const canRun = isRoot && process.platform === 'linux';

let dir: string;
let daemon: Daemon;
let secrets: Record<string, string>;
const processes: Array<BridgeClientProcess | RunningCli> = [];

beforeEach(async () => {
  dir = await mkdtemp('/tmp/lkF-');
  // nobody may walk up to the runtime directory (which stays 0700) and reach TCP; nothing more.
  await chmod(dir, 0o711);
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = 600;
  daemon = await startDaemon(
    { home: dir, allowInsecureLoopback: false, vault: { mode: 'memory' } },
    { fetch: endpoint.fetch, env: {} },
    { runtimeDir: `${dir}/run`, approvalTimeoutMs: 60_000 },
  );
  await seedConnection(daemon.composed.vault, RESOURCE);
  secrets = {};
  for (const name of ['agent-a', 'agent-b', 'agent-c']) secrets[name] = (await daemon.wallet.enrolAgent({ name })).secret;
  // agent-a may hand over pages for RESOURCE; b and c hold no grant and must ask the owner for a token.
  await daemon.wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
});

afterEach(async () => {
  for (const p of processes.splice(0)) p.child.kill('SIGKILL');
  await daemon.close();
  await rm(dir, { recursive: true, force: true });
});

function socketPath(): string {
  return daemon.bridge.socketPath ?? '';
}

function tcpPort(): number {
  return Number(new URL(daemon.bridge.url ?? '').port);
}

function track<T extends BridgeClientProcess | RunningCli>(p: T): T {
  processes.push(p);
  return p;
}

async function pending(filter: (approval: Approval) => boolean = () => true): Promise<Approval[]> {
  return (await daemon.wallet.listApprovals({ status: 'pending' })).filter(filter);
}

/** Waits until every request of `clients` was either answered or is waiting as one of `kind`'s pending prompts. */
async function settled(clients: BridgeClientProcess[], total: number, waiting: () => Promise<number>): Promise<void> {
  await expect
    .poll(async () => clients.reduce((sum, c) => sum + c.answers.length, 0) + (await waiting()), { timeout: 30_000, interval: 100 })
    .toBe(total);
}

function countBy(answers: readonly BridgeAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.error ?? `${a.status ?? 0}${a.code === undefined ? '' : ` ${a.code}`}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe.skipIf(!canRun)('enrolment and prompt floods against a running daemon (root, Linux, runuser)', () => {
  it('T32: nobody cannot enrol over TCP (0 prompts) nor over the socket (EACCES); the owner’s latchkey enrol shows its real pid, program and cwd', async () => {
    const tcp = Array.from({ length: 5 }, (_, k) => track(startEnrolClient(tcpPort(), `phish${k}`, { count: 20, asNobody: true })));
    const socket = track(startEnrolClient(socketPath(), 'phish', { asNobody: true }));
    await settled([...tcp, socket], 101, async () => (await pending((a) => a.kind === 'enrolment')).length);
    const nobodyPrompts = (await pending((a) => a.kind === 'enrolment')).length;
    expect({ nobodyPrompts, tcp: countBy(tcp.flatMap((c) => c.answers)), socket: countBy(socket.answers) }).toEqual({
      nobodyPrompts: 0,
      tcp: { [`403 ${ErrorCode.EnrolNeedsSocket}`]: 100 },
      socket: { EACCES: 1 },
    });

    // The owner's own program, through the CLI: over the socket, named on the approval.
    const env = { LATCHKEY_RUNTIME_DIR: `${dir}/run`, LATCHKEY_HOME: dir, LATCHKEY_BRIDGE_SOCKET: '', LATCHKEY_BRIDGE_URL: '' };
    const enrolling = track(startCli(['enrol', 'nightly-report'], env));
    await expect.poll(async () => (await pending((a) => a.kind === 'enrolment')).length, { timeout: 30_000, interval: 100 }).toBe(1);
    const [approval] = await pending((a) => a.kind === 'enrolment');
    expect(approval).toMatchObject({ agentName: 'nightly-report' });
    expect(approval?.requester).toEqual({ pid: enrolling.child.pid, uid: 0, exe: await realpath(process.execPath), cwd: await realpath(REPO_ROOT) });
    // `latchkey approvals` shows the same facts to the owner.
    const listed = await runCli(['approvals'], env);
    expect(listed.stdout).toContain(`pid ${enrolling.child.pid} · ${await realpath(process.execPath)} · cwd ${await realpath(REPO_ROOT)}`);
    await daemon.wallet.decideApproval({ id: approval!.id, decision: 'approve' });
    const done = await enrolling.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toMatch(/^lk_agent_/);

    // With only the TCP address the CLI says at once that enrolment needs the socket; nothing is raised.
    const viaTcp = await runCli(['enrol', 'other-bot'], { ...env, LATCHKEY_BRIDGE_URL: daemon.bridge.url ?? '', LATCHKEY_RUNTIME_DIR: '/nonexistent' });
    expect(viaTcp.code).not.toBe(0);
    expect(viaTcp.stderr).toContain(ErrorCode.EnrolNeedsSocket);
    expect(await pending()).toEqual([]);
  }, 120_000);

  it('T33: enrolment floods and one agent’s elicitation flood never make another agent’s consent request get 429', async () => {
    // 1. Another OS user floods enrolment over TCP: 100 requests from 10 processes.
    const foreign = Array.from({ length: 10 }, (_, k) => track(startEnrolClient(tcpPort(), `phish${k}`, { count: 10, asNobody: true })));
    await settled(foreign, 100, async () => (await pending((a) => a.kind === 'enrolment')).length);
    const foreignPrompts = (await pending((a) => a.kind === 'enrolment')).length;

    // 2. A process of the owner's own user floods enrolment over the socket: 100 requests from 10 processes.
    const local = Array.from({ length: 10 }, (_, k) => track(startEnrolClient(socketPath(), `flood${k}`, { count: 10 })));
    await settled(local, 100, async () => (await pending((a) => a.kind === 'enrolment')).length - foreignPrompts);
    const enrolmentPrompts = (await pending((a) => a.kind === 'enrolment')).length;

    // 3. agent-a floods pages: 40 parallel asks, 20 for its granted server and 20 for servers it holds no grant for.
    const pages = Array.from({ length: 40 }, (_, i) => ({
      server: i % 2 === 0 ? RESOURCE : `https://mcp${i}.example.test/mcp`,
      url: `https://pay.example.org/checkout/${i}`,
      message: `Pay invoice ${i}.`,
    }));
    const flood = track(startBridgeClient(socketPath(), '/v1/elicitations', pages, { secret: secrets['agent-a'] }));
    await settled([flood], 40, async () => (await pending((a) => a.agentName === 'agent-a')).length);
    const agentAPrompts = (await pending((a) => a.agentName === 'agent-a')).length;

    // 4. agent-b and agent-c ask for a token they hold no grant for: each consent is raised and decided.
    const legit = ['agent-b', 'agent-c'].map((name) => track(startBridgeClient(socketPath(), '/v1/token', [{ resource: RESOURCE }], { secret: secrets[name] })));
    const raised = async (): Promise<number> => (await pending((a) => a.kind === 'consent')).length;
    await expect.poll(async () => legit.reduce((sum, c) => sum + c.answers.length, 0) + (await raised()), { timeout: 30_000, interval: 100 }).toBe(2);
    for (const consent of await pending((a) => a.kind === 'consent')) await daemon.wallet.decideApproval({ id: consent.id, decision: 'approve' });
    const legitAnswers = (await Promise.all(legit.map((c) => c.waitForAnswers(1)))).flat();

    const figures = {
      foreignEnrolPrompts: foreignPrompts,
      foreignEnrolAnswers: countBy(foreign.flatMap((c) => c.answers)),
      localEnrolPrompts: enrolmentPrompts,
      localEnrolRefused: countBy(local.flatMap((c) => c.answers))[`429 ${ErrorCode.RateLimited}`] ?? 0,
      agentAPrompts,
      agentANotGranted: countBy(flood.answers)[`403 ${ErrorCode.ElicitationNotGranted}`] ?? 0,
      legitConsents: countBy(legitAnswers),
    };
    expect(figures).toEqual({
      foreignEnrolPrompts: 0,
      foreignEnrolAnswers: { [`403 ${ErrorCode.EnrolNeedsSocket}`]: 100 },
      localEnrolPrompts: 3,
      localEnrolRefused: 97,
      agentAPrompts: 1,
      agentANotGranted: 20,
      legitConsents: { '200': 2 },
    });
  }, 120_000);

  it('T33: one agent’s elicitation flood alone (36 servers it holds no grant for, 4 asks for its own) leaves another agent’s consent raised and decidable', async () => {
    const pages = Array.from({ length: 40 }, (_, i) => ({
      server: i < 4 ? RESOURCE : `https://mcp${i}.example.test/mcp`,
      url: `https://pay.example.org/checkout/${i}`,
      message: `Pay invoice ${i}.`,
    }));
    const flood = track(startBridgeClient(socketPath(), '/v1/elicitations', pages, { secret: secrets['agent-a'] }));
    await settled([flood], 40, async () => (await pending((a) => a.agentName === 'agent-a')).length);
    const agentAPrompts = (await pending((a) => a.agentName === 'agent-a')).length;

    const legit = track(startBridgeClient(socketPath(), '/v1/token', [{ resource: RESOURCE }], { secret: secrets['agent-b'] }));
    await expect.poll(async () => legit.answers.length + (await pending((a) => a.kind === 'consent')).length, { timeout: 30_000, interval: 100 }).toBe(1);
    for (const consent of await pending((a) => a.kind === 'consent')) await daemon.wallet.decideApproval({ id: consent.id, decision: 'approve' });
    const legitAnswers = await legit.waitForAnswers(1);

    expect({ agentAPrompts, agentANotGranted: countBy(flood.answers)[`403 ${ErrorCode.ElicitationNotGranted}`] ?? 0, legitConsent: countBy(legitAnswers) }).toEqual({
      agentAPrompts: 1,
      agentANotGranted: 36,
      legitConsent: { '200': 1 },
    });
  }, 120_000);
});
