import { describe, expect, it } from 'vitest';
import { createFakeWallet, fakeId, sampleAgent, sampleSession } from '../../fakes/fake-wallet.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const agents = [sampleAgent(), sampleAgent({ id: fakeId('agt', 2), name: 'claude-code' })];
const sessions = [
  sampleSession(),
  sampleSession({ id: fakeId('ses', 2), agentId: fakeId('agt', 2), pid: undefined, command: undefined, expiresAt: NOW + 90_000 }),
  sampleSession({ id: fakeId('ses', 3), endedAt: NOW - 60_000, endReason: 'exited' }),
];

describe('latchkey sessions', () => {
  it('lists running sessions by default: id, agent name, start, expiry, pid, command', async () => {
    const wallet = createFakeWallet({ agents, sessions });
    const h = createHarness({ wallet });
    expect(await h.run(['sessions'])).toBe(0);
    const lines = h.stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+AGENT\s+STARTED\s+STATE\s+PID\s+COMMAND$/);
    expect(lines[1]).toMatch(new RegExp(`^${fakeId('ses', 1)}\\s+ci-bot\\s+2023-11-14 21:56:40Z\\s+expires in 8h 00m\\s+4242\\s+node agent.js$`));
    expect(lines[2]).toMatch(/^ses_0+2\s+claude-code\s+.*expires in 1m 30s\s+-\s+-$/);
    expect(wallet.calls.listSessions[0]).toEqual({ active: true });
  });

  it('--all includes ended sessions with their reason; --agent is passed through', async () => {
    const wallet = createFakeWallet({ agents, sessions });
    const h = createHarness({ wallet });
    expect(await h.run(['sessions', '--all', '--agent', 'ci-bot'])).toBe(0);
    expect(wallet.calls.listSessions[0]).toEqual({ agent: 'ci-bot' });
    expect(h.stdout.text).toMatch(/ses_0+3\s+ci-bot\s+.*ended 2023-11-14 22:12:20Z \(exited\)/);
    expect(h.stdout.text).not.toContain(fakeId('ses', 2));
  });

  it('--json prints the SessionSummary array', async () => {
    const h = createHarness({ wallet: createFakeWallet({ agents, sessions }) });
    expect(await h.run(['sessions', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual(sessions.slice(0, 2));
  });

  it('an agent-supplied command line cannot inject escapes or forge lines', async () => {
    const hostile = sampleSession({ command: 'node x.js\u001b[2K\rAPPROVED\n\u202Egnp.exe' });
    const h = createHarness({ wallet: createFakeWallet({ agents, sessions: [hostile] }) });
    expect(await h.run(['sessions'])).toBe(0);
    expect(h.stdout.text).toContain('node x.js\\x1b[2K\\x0dAPPROVED\\x0a\\u{202e}gnp.exe');
    expect(h.stdout.text.trimEnd().split('\n')).toHaveLength(2);
    expect(h.stdout.text).not.toMatch(/[\u001b\r\u202E]/u);
  });

  it('shows a removed agent by its id and says when nothing runs', async () => {
    const orphan = createHarness({ wallet: createFakeWallet({ sessions: [sampleSession({ agentId: fakeId('agt', 9) })] }) });
    expect(await orphan.run(['sessions'])).toBe(0);
    expect(orphan.stdout.text).toContain(fakeId('agt', 9));
    const none = createHarness({ wallet: createFakeWallet() });
    expect(await none.run(['sessions'])).toBe(0);
    expect(none.stdout.text).toBe('');
    expect(none.stderr.text).toContain('No active sessions.');
  });
});

describe('latchkey session end', () => {
  it('ends the session as revoked', async () => {
    const wallet = createFakeWallet({ agents, sessions });
    const h = createHarness({ wallet });
    expect(await h.run(['session', 'end', fakeId('ses', 1)])).toBe(0);
    expect(wallet.calls.endSession).toEqual([{ id: fakeId('ses', 1), reason: 'revoked' }]);
    expect(h.stdout.text).toBe(`Ended session ${fakeId('ses', 1)}: its next request is refused.\n`);
  });

  it('usage errors exit 2', async () => {
    for (const [argv, message] of [
      [['session', 'end'], /needs <id>/],
      [['session'], /needs a sub-command: end/],
      [['sessions', 'ci-bot'], /Unexpected argument "ci-bot"/],
      [['sessions', '--agent'], /--agent needs a value/],
    ] as const) {
      const h = createHarness({ wallet: createFakeWallet() });
      expect(await h.run([...argv])).toBe(2);
      expect(h.stderr.text).toMatch(message);
    }
  });

  it('--help for sessions and session end', async () => {
    for (const [argv, usage] of [
      [['sessions', '--help'], 'Usage: latchkey sessions [--agent A] [--all] [--json]'],
      [['session', 'end', '--help'], 'Usage: latchkey session end <id>'],
    ] as const) {
      const h = createHarness();
      expect(await h.run([...argv])).toBe(0);
      expect(h.stdout.text).toContain(usage);
      expect(h.stdout.text).toMatch(/Examples?:\n {2}latchkey sess/);
    }
  });
});
