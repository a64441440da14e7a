import { describe, expect, it } from 'vitest';
import { createFakeWallet, fakeId, sampleApproval } from '../../fakes/fake-wallet.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const APR = fakeId('apr', 1);
const approvals = [
  sampleApproval(),
  sampleApproval({ id: fakeId('apr', 2), kind: 'enrolment', agentId: undefined, agentName: 'new-tool', resource: undefined, scopes: undefined, lifetimeSeconds: undefined, expiresAt: NOW + 30_000 }),
  sampleApproval({ id: fakeId('apr', 3), status: 'denied', decidedAt: NOW - 5000 }),
];

describe('latchkey approvals', () => {
  it('lists pending approvals: id, kind, agent, server, scopes, lifetime, expires in', async () => {
    const wallet = createFakeWallet({ approvals });
    const h = createHarness({ wallet });
    expect(await h.run(['approvals'])).toBe(0);
    expect(wallet.calls.listApprovals).toEqual([{ status: 'pending' }]);
    const lines = h.stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/^ID\s+KIND\s+AGENT\s+SERVER\s+SCOPES\s+LIFETIME\s+EXPIRES IN$/);
    expect(lines[1]).toMatch(new RegExp(`^${APR}\\s+consent\\s+ci-bot\\s+https://mcp\\.example\\.com/mcp\\s+files:read\\s+15m\\s+1m 30s$`));
    expect(lines[2]).toMatch(/^apr_0+2\s+enrolment\s+new-tool\s+-\s+-\s+-\s+30s$/);
    // Below the table: who asks to enrol (T32); this one could not be named.
    expect(lines.slice(3)).toEqual(['', `${fakeId('apr', 2)}  new-tool asks to enrol; requested by:`, '  requester unknown', '', 'Approve an enrolment only if you just started that program yourself.']);
  });

  it('T32: an enrolment names the requesting process (pid, program, working directory) below the table, as inert text', async () => {
    const enrolment = sampleApproval({
      kind: 'enrolment',
      agentId: undefined,
      agentName: 'nightly-report',
      resource: undefined,
      scopes: undefined,
      lifetimeSeconds: undefined,
      requester: { pid: 4242, uid: 1000, exe: '/usr/bin/node', cwd: '/home/x/project\u001b[2K\u202E' },
    });
    const h = createHarness({ wallet: createFakeWallet({ approvals: [enrolment] }) });
    expect(await h.run(['approvals'])).toBe(0);
    expect(h.stdout.text).toContain('nightly-report asks to enrol; requested by:\n  pid 4242 · /usr/bin/node · cwd /home/x/project\ufffd[2K\ufffd\n');
    expect(h.stdout.text).not.toMatch(/[\u0000\u001b\u202E]/u);
  });

  it('--all adds a status column and decided ones; --json prints the Approval array', async () => {
    const all = createHarness({ wallet: createFakeWallet({ approvals }) });
    expect(await all.run(['approvals', '--all'])).toBe(0);
    expect(all.stdout.text).toMatch(/^ID\s+KIND\s+STATUS\s+AGENT/);
    expect(all.stdout.text).toMatch(/^apr_0+3\s+consent\s+denied\s+ci-bot\s+.*\s+-$/m);
    const json = createHarness({ wallet: createFakeWallet({ approvals }) });
    expect(await json.run(['approvals', '--json'])).toBe(0);
    expect(JSON.parse(json.stdout.text)).toEqual(approvals.slice(0, 2));
  });

  it('an unknown caller\'s proposed name cannot spoof the line (escapes, bidi, NUL)', async () => {
    const hostile = sampleApproval({ kind: 'enrolment', agentName: 'ci-bot\u001b[1A\u001b[2K\u202E\u0000', scopes: ['files:read\u001b[8m'] });
    const h = createHarness({ wallet: createFakeWallet({ approvals: [hostile] }) });
    expect(await h.run(['approvals'])).toBe(0);
    expect(h.stdout.text).toContain('ci-bot\\x1b[1A\\x1b[2K\\u{202e}\\x00');
    expect(h.stdout.text).toContain('files:read\\x1b[8m');
    expect(h.stdout.text).not.toMatch(/[\u0000\u001b\u202E]/u);
    const json = createHarness({ wallet: createFakeWallet({ approvals: [hostile] }) });
    expect(await json.run(['approvals', '--json'])).toBe(0);
    expect(json.stdout.text).not.toMatch(/[\u0000\u001b\u202E]/u);
    expect(JSON.parse(json.stdout.text)).toEqual([hostile]);
  });

  it('a step-up shows the scopes held now and the scopes wanted after it', async () => {
    const stepUp = sampleApproval({ kind: 'step-up', scopes: ['files:read', 'files:write'], currentScopes: ['files:read'], lifetimeSeconds: undefined });
    const h = createHarness({ wallet: createFakeWallet({ approvals: [stepUp] }) });
    expect(await h.run(['approvals'])).toBe(0);
    expect(h.stdout.text).toMatch(/step-up\s+ci-bot\s+https:\/\/mcp\.example\.com\/mcp\s+files:read → files:read files:write\s+-\s/u);
    const approve = createHarness({ wallet: createFakeWallet({ approvals: [stepUp] }) });
    expect(await approve.run(['approve', APR])).toBe(0);
    expect(approve.stdout.text).toBe(`Approved ${APR}: step-up for ci-bot on https://mcp.example.com/mcp (files:read → files:read files:write).\n`);
  });

  it('says so when nothing is pending', async () => {
    const h = createHarness({ wallet: createFakeWallet() });
    expect(await h.run(['approvals'])).toBe(0);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toBe('No pending approvals.\n');
  });
});

describe('latchkey approve / deny', () => {
  it('approve decides once; --remember says a grant was created', async () => {
    const wallet = createFakeWallet({ approvals });
    const h = createHarness({ wallet });
    expect(await h.run(['approve', APR, '--remember'])).toBe(0);
    expect(wallet.calls.decideApproval).toEqual([{ id: APR, decision: 'approve', options: { remember: true } }]);
    expect(h.stdout.text).toBe(
      `Approved ${APR}: consent for ci-bot on https://mcp.example.com/mcp (files:read).\nRemembered as a grant: see latchkey grant list.\n`,
    );
  });

  it('approve without --remember allows only this request', async () => {
    const wallet = createFakeWallet({ approvals });
    const h = createHarness({ wallet });
    expect(await h.run(['approve', APR])).toBe(0);
    expect(wallet.calls.decideApproval[0]?.options).toEqual({});
    expect(h.stdout.text).not.toContain('Remembered');
  });

  it('deny', async () => {
    const wallet = createFakeWallet({ approvals });
    const h = createHarness({ wallet });
    expect(await h.run(['deny', fakeId('apr', 2)])).toBe(0);
    expect(wallet.calls.decideApproval).toEqual([{ id: fakeId('apr', 2), decision: 'deny', options: {} }]);
    expect(h.stdout.text).toBe(`Denied ${fakeId('apr', 2)}: enrolment for new-tool.\n`);
  });

  it('an approval decided already is reported as it is, not as approved', async () => {
    const h = createHarness({ wallet: createFakeWallet({ approvals }) });
    expect(await h.run(['approve', fakeId('apr', 3)])).toBe(0);
    expect(h.stdout.text).toMatch(/^Approval apr_0+3: consent for ci-bot .* is denied; nothing changed\.\n$/u);
  });

  it('an unknown approval: error[approval.not_found], exit 1', async () => {
    const h = createHarness({ wallet: createFakeWallet() });
    expect(await h.run(['deny', fakeId('apr', 9)])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[approval\.not_found\]/u);
  });

  for (const [name, argv, message] of [
    ['approve without id', ['approve'], /needs <id>/],
    ['deny --remember', ['deny', APR, '--remember'], /Unknown option --remember/],
    ['approvals with an argument', ['approvals', 'x'], /Unexpected argument "x"/],
  ] as const) {
    it(`usage error, exit 2: ${name}`, async () => {
      const h = createHarness({ wallet: createFakeWallet() });
      expect(await h.run([...argv])).toBe(2);
      expect(h.stderr.text).toMatch(message);
    });
  }

  it('E3/E8/T21: a page to open is shown in full below the table: URL, real site, warnings, message, all inert', async () => {
    const page = sampleApproval({
      id: fakeId('apr', 4),
      kind: 'url-elicitation',
      scopes: undefined,
      lifetimeSeconds: undefined,
      url: 'https://accounts.example.com.evil.test/login?next=%2F',
      message: 'Confirm\u001b[2J at https://pay.example.net/',
    });
    const h = createHarness({ wallet: createFakeWallet({ approvals: [page] }) });
    expect(await h.run(['approvals'])).toBe(0);
    const text = h.stdout.text;
    expect(text).toContain('  page:    https://accounts.example.com.evil.test/login?next=%2F');
    expect(text).toContain('  site:    evil.test (accounts.example.com.evil.test)');
    expect(text).toContain('  warning: This looks like example.com but belongs to evil.test.');
    expect(text).toContain('  warning: This page is on evil.test, not on the server\'s own site example.com.');
    expect(text).toContain('  message: Confirm\\x1b[2J at https://pay.example.net/');
    expect(text).toContain('Latchkey has not visited the page.');
  });

  it('approve --remember on a page says which site now opens without asking, or why it was not remembered', async () => {
    const allowed = sampleApproval({ kind: 'url-elicitation', url: 'https://auth.example.org/link', message: 'Link your account.' });
    const h = createHarness({ wallet: createFakeWallet({ approvals: [allowed] }) });
    expect(await h.run(['approve', APR, '--remember'])).toBe(0);
    expect(h.stdout.text).toContain('Pages on example.org from this server now open without asking: see latchkey sites.');
    const warned = sampleApproval({ kind: 'url-elicitation', url: 'https://examp1e.com/login', message: 'Sign in.' });
    const w = createHarness({ wallet: createFakeWallet({ approvals: [warned] }) });
    expect(await w.run(['approve', APR, '--remember'])).toBe(0);
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
