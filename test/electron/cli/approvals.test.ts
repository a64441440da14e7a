import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../shared/agents.js';
import type { RaiseInput } from '../../../electron/wallet/approvals/approval-queue.js';
import { useMemoryWallets, type MemoryWallet } from '../../support/memory-wallet.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const RESOURCE = 'https://mcp.example.com/mcp';
const openWallet = useMemoryWallets();
const asking = new AbortController();

/** The real wallet in memory at NOW, connected to RESOURCE. */
async function memoryWallet(): Promise<MemoryWallet> {
  const memory = await openWallet({ now: NOW });
  await memory.connect(RESOURCE);
  return memory;
}

/**
 * Approvals raised for real: ci-bot asks for mcp:read (consent, pending), an unknown program
 * asks to enrol as new-tool (requester unknown), and other-bot asked and was denied.
 */
async function seeded() {
  const memory = await memoryWallet();
  const consent = (await memory.ask('ci-bot', { resource: RESOURCE, scopes: ['mcp:read'] })).approval;
  const enrolment = await enrolling(memory, 'new-tool');
  const denied = (await memory.ask('other-bot', { resource: RESOURCE, scopes: ['mcp:read'] })).approval;
  await memory.wallet.decideApproval({ id: denied.id, decision: 'deny' });
  return { memory, wallet: memory.wallet, consent, enrolment, denied };
}

/** An unknown program's enrolment request over the bridge; resolves once it is pending. */
async function enrolling(memory: MemoryWallet, name: string, shown?: Approval['requester']): Promise<Approval> {
  const raised = new Promise<Approval>((resolve) => {
    const off = memory.composed.approvals.on('raised', (approval) => {
      off();
      resolve(approval);
    });
  });
  memory.composed.bridge.enrol({ name }, asking.signal, { key: `test:${name}`, ...(shown === undefined ? {} : { shown }) }).catch(() => undefined);
  return raised;
}

/** An agent with a grant on RESOURCE asks the owner to open `url`; resolves once it is pending. */
async function pageAsked(memory: MemoryWallet, url: string, message: string): Promise<Approval> {
  await memory.enrol('pager');
  await memory.wallet.createGrant({ agent: 'pager', resource: RESOURCE, scopes: ['mcp:read'] });
  return (await memory.askToOpen('pager', { server: RESOURCE, url, message })).approval;
}

/**
 * What the bridge's schema never lets through (names are printable ASCII), raised on the wallet's
 * own approval queue to show the CLI keeps it inert anyway.
 */
function raiseDirectly(memory: MemoryWallet, input: RaiseInput): Approval {
  const { approval, decision } = memory.composed.approvals.raise(input, { timeoutMs: 60_000, signal: asking.signal });
  decision.catch(() => undefined);
  return approval;
}

describe('latchkey approvals', () => {
  it('lists pending approvals: id, kind, agent, server, scopes, lifetime, expires in', async () => {
    const { wallet, consent, enrolment } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['approvals'])).toBe(0);
    const lines = h.stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/^ID\s+KIND\s+AGENT\s+SERVER\s+SCOPES\s+LIFETIME\s+EXPIRES IN$/);
    expect(lines[1]).toMatch(new RegExp(`^${consent.id}\\s+consent\\s+ci-bot\\s+https://mcp\\.example\\.com/mcp\\s+mcp:read\\s+-\\s+2m 00s$`));
    expect(lines[2]).toMatch(new RegExp(`^${enrolment.id}\\s+enrolment\\s+new-tool\\s+-\\s+-\\s+-\\s+2m 00s$`));
    // Below the table: who asks to enrol (T32); this one could not be named.
    expect(lines.slice(3)).toEqual(['', `${enrolment.id}  new-tool asks to enrol; requested by:`, '  requester unknown', '', 'Approve an enrolment only if you just started that program yourself.']);
  });

  it('T32: an enrolment names the requesting process (pid, program, working directory) below the table, as inert text', async () => {
    const memory = await memoryWallet();
    await enrolling(memory, 'nightly-report', { pid: 4242, uid: 1000, exe: '/usr/bin/node', cwd: '/home/x/project\u001b[2K\u202E' });
    const h = createHarness({ wallet: memory.wallet });
    expect(await h.run(['approvals'])).toBe(0);
    expect(h.stdout.text).toContain('nightly-report asks to enrol; requested by:\n  pid 4242 · /usr/bin/node · cwd /home/x/project\ufffd[2K\ufffd\n');
    expect(h.stdout.text).not.toMatch(/[\u0000\u001b\u202E]/u);
  });

  it('--all adds a status column and decided ones; --json prints the Approval array', async () => {
    const { wallet, denied } = await seeded();
    const all = createHarness({ wallet });
    expect(await all.run(['approvals', '--all'])).toBe(0);
    expect(all.stdout.text).toMatch(/^ID\s+KIND\s+STATUS\s+AGENT/);
    expect(all.stdout.text).toMatch(new RegExp(`^${denied.id}\\s+consent\\s+denied\\s+other-bot\\s+.*\\s+-$`, 'm'));
    const json = createHarness({ wallet });
    expect(await json.run(['approvals', '--json'])).toBe(0);
    expect(JSON.parse(json.stdout.text)).toEqual(await wallet.listApprovals({ status: 'pending' }));
    expect((JSON.parse(json.stdout.text) as Approval[]).map((a) => a.kind)).toEqual(['consent', 'enrolment']);
  });

  it('an unknown caller\'s proposed name cannot spoof the line (escapes, bidi, NUL)', async () => {
    const memory = await memoryWallet();
    const hostile = raiseDirectly(memory, { kind: 'enrolment', agentName: 'ci-bot\u001b[1A\u001b[2K\u202E\u0000', resource: RESOURCE, scopes: ['files:read\u001b[8m'] });
    const h = createHarness({ wallet: memory.wallet });
    expect(await h.run(['approvals'])).toBe(0);
    expect(h.stdout.text).toContain('ci-bot\\x1b[1A\\x1b[2K\\u{202e}\\x00');
    expect(h.stdout.text).toContain('files:read\\x1b[8m');
    expect(h.stdout.text).not.toMatch(/[\u0000\u001b\u202E]/u);
    const json = createHarness({ wallet: memory.wallet });
    expect(await json.run(['approvals', '--json'])).toBe(0);
    expect(json.stdout.text).not.toMatch(/[\u0000\u001b\u202E]/u);
    expect(JSON.parse(json.stdout.text)).toEqual([hostile]);
  });

  it('a step-up shows the scopes held now and the scopes wanted after it', async () => {
    const memory = await memoryWallet();
    await memory.enrol('ci-bot');
    await memory.wallet.createGrant({ agent: 'ci-bot', resource: RESOURCE, scopes: ['mcp:read'] });
    const stepUp = (await memory.ask('ci-bot', { resource: RESOURCE, scopes: ['mcp:read', 'files:write'] })).approval;
    expect(stepUp.kind).toBe('step-up');
    const h = createHarness({ wallet: memory.wallet });
    expect(await h.run(['approvals'])).toBe(0);
    expect(h.stdout.text).toMatch(/step-up\s+ci-bot\s+https:\/\/mcp\.example\.com\/mcp\s+mcp:read → mcp:read files:write\s+-\s/u);
    const deny = createHarness({ wallet: memory.wallet });
    expect(await deny.run(['deny', stepUp.id])).toBe(0);
    expect(deny.stdout.text).toBe(`Denied ${stepUp.id}: step-up for ci-bot on https://mcp.example.com/mcp (mcp:read → mcp:read files:write).\n`);
  });

  it('says so when nothing is pending', async () => {
    const h = createHarness({ wallet: (await memoryWallet()).wallet });
    expect(await h.run(['approvals'])).toBe(0);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toMatch(/^No pending approvals\.\n/mu);
  });
});

describe('latchkey approve / deny', () => {
  it('approve decides once; --remember creates a grant, and says so', async () => {
    const { wallet, consent } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['approve', consent.id, '--remember'])).toBe(0);
    expect(h.stdout.text).toBe(`Approved ${consent.id}: consent for ci-bot on https://mcp.example.com/mcp (mcp:read).\nRemembered as a grant: see latchkey grant list.\n`);
    expect(await wallet.listApprovals({ status: 'pending' })).not.toContainEqual(expect.objectContaining({ id: consent.id }));
    await expect.poll(async () => wallet.listGrants({ agent: 'ci-bot' })).toEqual([expect.objectContaining({ resource: RESOURCE, scopes: ['mcp:read'] })]);
  });

  it('approve without --remember allows only this request', async () => {
    const { wallet, consent } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['approve', consent.id])).toBe(0);
    expect(h.stdout.text).not.toContain('Remembered');
    expect((await wallet.listApprovals()).find((a) => a.id === consent.id)).toMatchObject({ status: 'approved' });
    expect(await wallet.listGrants({ agent: 'ci-bot' })).toEqual([]);
  });

  it('deny', async () => {
    const { wallet, enrolment } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['deny', enrolment.id])).toBe(0);
    expect(h.stdout.text).toBe(`Denied ${enrolment.id}: enrolment for new-tool.\n`);
    expect((await wallet.listApprovals()).find((a) => a.id === enrolment.id)).toMatchObject({ status: 'denied' });
  });

  it('an approval decided already is not decided again: error[approval.not_found], exit 1, and it stays denied', async () => {
    const { wallet, denied } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['approve', denied.id])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[approval\.not_found\]/mu);
    expect(h.stdout.text).toBe('');
    expect((await wallet.listApprovals()).find((a) => a.id === denied.id)).toMatchObject({ status: 'denied' });
  });

  it('an unknown approval: error[approval.not_found], exit 1', async () => {
    const h = createHarness({ wallet: (await memoryWallet()).wallet });
    expect(await h.run(['deny', 'apr_0000000000000009'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[approval\.not_found\]/mu);
  });

  for (const [name, argv, message] of [
    ['approve without id', ['approve'], /needs <id>/],
    ['deny --remember', ['deny', 'apr_0000000000000001', '--remember'], /Unknown option --remember/],
    ['approvals with an argument', ['approvals', 'x'], /Unexpected argument "x"/],
  ] as const) {
    it(`usage error, exit 2: ${name}`, async () => {
      const h = createHarness();
      expect(await h.run([...argv])).toBe(2);
      expect(h.stderr.text).toMatch(message);
      expect(h.configs).toHaveLength(0);
    });
  }

  it('E3/E8/T21: a page to open is shown in full below the table: URL, real site, warnings, message, all inert', async () => {
    const memory = await memoryWallet();
    await pageAsked(memory, 'https://accounts.example.com.evil.test/login?next=%2F', 'Confirm\u202e at https://pay.example.net/');
    const h = createHarness({ wallet: memory.wallet });
    expect(await h.run(['approvals'])).toBe(0);
    const text = h.stdout.text;
    expect(text).toContain('  page:    https://accounts.example.com.evil.test/login?next=%2F');
    expect(text).toContain('  site:    evil.test (accounts.example.com.evil.test)');
    expect(text).toContain('  warning: This looks like example.com but belongs to evil.test.');
    expect(text).toContain('  warning: This page is on evil.test, not on the server\'s own site example.com.');
    expect(text).toContain('  message: Confirm\\u{202e} at https://pay.example.net/');
    expect(text).toContain('Latchkey has not visited the page.');
    expect(memory.opened).toEqual([]);
  });

  it('approve --remember on a page says which site now opens without asking, or why it was not remembered', async () => {
    const memory = await memoryWallet();
    const allowed = await pageAsked(memory, 'https://auth.example.org/link', 'Link your account.');
    const h = createHarness({ wallet: memory.wallet });
    expect(await h.run(['approve', allowed.id, '--remember'])).toBe(0);
    expect(h.stdout.text).toContain('Pages on example.org from this server now open without asking: see latchkey sites.');
    await expect.poll(() => memory.opened).toEqual(['https://auth.example.org/link']);
    const warned = (await memory.askToOpen('pager', { server: RESOURCE, url: 'https://examp1e.com/login', message: 'Sign in.' })).approval;
    const w = createHarness({ wallet: memory.wallet });
    expect(await w.run(['approve', warned.id, '--remember'])).toBe(0);
    expect(w.stdout.text).toContain('Not remembered: Latchkey only remembers sites for pages without warnings.');
  });

  it('--help for approvals, approve and deny', async () => {
    for (const [verb, usage] of [
      ['approvals', 'Usage: latchkey approvals [--all] [--json]'],
      ['approve', 'Usage: latchkey approve <id> [--remember]'],
      ['deny', 'Usage: latchkey deny <id>'],
    ] as const) {
      const h = createHarness();
      expect(await h.run([verb, '--help'])).toBe(0);
      expect(h.stdout.text).toContain(usage);
      expect(h.stdout.text).toMatch(new RegExp(`Examples?:\\n {2}latchkey ${verb}\\b`));
    }
  });
});
