import { describe, expect, it } from 'vitest';
import { useMemoryWallets } from '../../support/memory-wallet.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const STARTED = 1_699_999_000_000;
const openWallet = useMemoryWallets();

/**
 * The real wallet in memory: ci-bot's session bound to this process (8 h), claude-code's unbound
 * (ending 90 s after NOW), and an ended one of ci-bot's. The clock then stands at NOW.
 */
async function seeded(command = 'node agent.js') {
  const memory = await openWallet({ now: STARTED });
  const { wallet } = memory;
  await wallet.enrolAgent({ name: 'ci-bot' });
  await wallet.enrolAgent({ name: 'claude-code' });
  const bound = await wallet.startSession({ agent: 'ci-bot', ttlSeconds: 8 * 3600 + 1000, pid: process.pid, command });
  memory.now = NOW - 60_000 - 3_600_000;
  const ended = await wallet.startSession({ agent: 'ci-bot', ttlSeconds: 3600 * 4 });
  memory.now = NOW - 60_000;
  await wallet.endSession({ id: ended.session.id, reason: 'exited' });
  memory.now = NOW - 1_000;
  const unbound = await wallet.startSession({ agent: 'claude-code', ttlSeconds: 91 });
  memory.now = NOW;
  return { memory, wallet, ids: { bound: bound.session.id, ended: ended.session.id, unbound: unbound.session.id } };
}

describe('latchkey sessions', () => {
  it('lists running sessions by default: id, agent name, start, expiry, pid, command', async () => {
    const { wallet, ids } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['sessions'])).toBe(0);
    const lines = h.stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+AGENT\s+STARTED\s+STATE\s+PID\s+COMMAND$/);
    expect(lines[1]).toMatch(new RegExp(`^${ids.bound}\\s+ci-bot\\s+2023-11-14 21:56:40Z\\s+expires in 8h 00m\\s+${process.pid}\\s+node agent.js$`));
    expect(lines[2]).toMatch(new RegExp(`^${ids.unbound}\\s+claude-code\\s+.*expires in 1m 30s\\s+-\\s+-$`));
  });

  it('--all includes ended sessions with their reason; --agent filters', async () => {
    const { wallet, ids } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['sessions', '--all', '--agent', 'ci-bot'])).toBe(0);
    expect(h.stdout.text).toMatch(new RegExp(`${ids.ended}\\s+ci-bot\\s+.*ended 2023-11-14 22:12:20Z \\(exited\\)`));
    expect(h.stdout.text).not.toContain(ids.unbound);
  });

  it('--json prints the SessionSummary array', async () => {
    const { wallet, ids } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['sessions', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual(await wallet.listSessions({ active: true }));
    expect((JSON.parse(h.stdout.text) as Array<{ id: string }>).map((s) => s.id).sort()).toEqual([ids.bound, ids.unbound].sort());
  });

  it('an agent-supplied command line cannot inject escapes or forge lines', async () => {
    const { wallet } = await seeded('node x.js\u001b[2K\rAPPROVED\n\u202Egnp.exe');
    const h = createHarness({ wallet });
    expect(await h.run(['sessions', '--agent', 'ci-bot'])).toBe(0);
    expect(h.stdout.text).toContain('node x.js\\x1b[2K\\x0dAPPROVED\\x0a\\u{202e}gnp.exe');
    expect(h.stdout.text.trimEnd().split('\n')).toHaveLength(2);
    expect(h.stdout.text).not.toMatch(/[\u001b\r\u202E]/u);
  });

  it('says when nothing runs', async () => {
    const memory = await openWallet({ now: NOW });
    const none = createHarness({ wallet: memory.wallet });
    expect(await none.run(['sessions'])).toBe(0);
    expect(none.stdout.text).toBe('');
    expect(none.stderr.text).toContain('No active sessions.');
  });
});

describe('latchkey session end', () => {
  it('ends the session as revoked', async () => {
    const { wallet, ids } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['session', 'end', ids.bound])).toBe(0);
    expect(h.stdout.text).toBe(`Ended session ${ids.bound}: its next request is refused.\n`);
    const [ended] = (await wallet.listSessions({ agent: 'ci-bot', active: false })).filter((s) => s.id === ids.bound);
    expect(ended?.endReason).toBe('revoked');
  });

  it('usage errors exit 2', async () => {
    for (const [argv, message] of [
      [['session', 'end'], /needs <id>/],
      [['session'], /needs a sub-command: end/],
      [['sessions', 'ci-bot'], /Unexpected argument "ci-bot"/],
      [['sessions', '--agent'], /--agent needs a value/],
    ] as const) {
      const h = createHarness();
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
