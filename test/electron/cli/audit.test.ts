import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/agents.js';
import { composeWallet } from '../../../electron/wallet/wallet.js';
import { FakeTokenEndpoint } from '../../fakes/fake-token-endpoint.js';
import { useMemoryWallets, type MemoryWallet, type MemoryWalletOptions } from '../../support/memory-wallet.js';
import { runCli, startCli, waitForOutput } from '../../support/run-cli.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const MCP = 'https://mcp.example.com/mcp';
const openWallet = useMemoryWallets();

/** The real wallet in memory at NOW, connected to MCP (tokens from the fake AS of test/fakes/fake-token-endpoint.ts). */
async function memoryWallet(options: MemoryWalletOptions = {}): Promise<MemoryWallet> {
  const endpoint = new FakeTokenEndpoint();
  const memory = await openWallet({ now: NOW, fetch: endpoint.fetch, ...options });
  await memory.connect(MCP);
  return memory;
}

/**
 * An audit log written by the wallet's own operations: the owner enrols ci-bot and grants it
 * mcp:read (NOW - 2 h), ci-bot gets a token (NOW - 90 s), asks for mcp:write and the owner denies
 * it (NOW - 60 s: approval.decided, then token.refused).
 */
async function seeded(options: MemoryWalletOptions = {}) {
  const memory = await memoryWallet(options);
  memory.now = NOW - 7_200_000;
  await memory.enrol('ci-bot');
  await memory.wallet.createGrant({ agent: 'ci-bot', resource: MCP, scopes: ['mcp:read'] });
  memory.now = NOW - 90_000;
  await memory.token('ci-bot', { resource: MCP });
  memory.now = NOW - 60_000;
  const { approval, answer } = await memory.ask('ci-bot', { resource: MCP, scopes: ['mcp:write'] });
  await memory.wallet.decideApproval({ id: approval.id, decision: 'deny' });
  await answer.catch(() => undefined);
  memory.now = NOW;
  const events = await memory.wallet.queryAudit();
  const agentId = (await memory.wallet.listAgents())[0]!.id;
  return { memory, wallet: memory.wallet, events, agentId };
}

describe('latchkey audit', () => {
  it('prints one aligned line per event with the token fingerprint, never a token', async () => {
    const { wallet, events } = await seeded();
    const issued = events.find((e) => e.type === 'token.issued')!;
    const h = createHarness({ wallet });
    expect(await h.run(['audit'])).toBe(0);
    const lines = h.stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(events.length + 1);
    expect(lines[0]).toMatch(/^TIME\s+SEQ\s+TYPE\s+OUTCOME\s+AGENT\s+SERVER\s+SCOPES\s+REASON\s+TOKEN$/);
    const line = (type: string): string => lines.find((l) => new RegExp(`\\s${type.replace('.', '\\.')}\\s`).test(l)) ?? '';
    expect(line('token.issued')).toMatch(new RegExp(`^2023-11-14 22:11:50Z\\s+${issued.seq}\\s+token\\.issued\\s+ok\\s+ci-bot\\s+https://mcp\\.example\\.com/mcp\\s+mcp:read\\s+\\(expires 2023-11-14 22:16:50Z\\)\\s+${issued.tokenFingerprint}$`));
    expect(issued.tokenFingerprint).toMatch(/^sha256:/u);
    expect(line('token.refused')).toMatch(/^2023-11-14 22:12:20Z\s+\d+\s+token\.refused\s+denied\s+ci-bot\s+\S+\s+mcp:write\s+grant\.denied\s+-$/);
    expect(line('approval.decided')).toMatch(/\s+approval\.decided\s+denied\s+ci-bot\s+\S+\s+mcp:write\s+denied by owner\s+-$/);
    const column = (l: string): number => l.indexOf('ci-bot');
    expect(new Set([column(line('token.issued')), column(line('token.refused')), column(line('approval.decided'))]).size).toBe(1);
    expect(h.stdout.text).not.toMatch(/at-\d+-refresh_token/u);
  });

  it('--json prints the AuditEvent array', async () => {
    const { wallet, events } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['audit', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual(events);
  });

  it('filters: --agent by name resolves to the id, --since 1h counts back from now, --resource, --outcome, --limit', async () => {
    const { wallet, agentId } = await seeded();
    const h = createHarness({ wallet });
    const argv = ['audit', '--agent', 'ci-bot', '--since', '1h', '--resource', MCP, '--outcome', 'denied', '--limit', '5', '--json'];
    expect(await h.run(argv)).toBe(0);
    const shown = JSON.parse(h.stdout.text) as AuditEvent[];
    expect(shown.map((e) => e.type).sort()).toEqual(['approval.decided', 'token.refused']);
    expect(shown.every((e) => e.agentId === agentId && e.resource === MCP && e.outcome === 'denied' && e.time >= NOW - 3_600_000)).toBe(true);
    const limited = createHarness({ wallet });
    expect(await limited.run(['audit', '--limit', '1', '--json'])).toBe(0);
    expect(JSON.parse(limited.stdout.text)).toHaveLength(1);
  });

  it('--since takes an ISO time; --agent takes an id as is (a removed agent)', async () => {
    const { wallet, agentId } = await seeded();
    await wallet.removeAgent({ agent: 'ci-bot' });
    const h = createHarness({ wallet });
    expect(await h.run(['audit', '--since', '2023-11-14T22:12:00Z', '--agent', agentId, '--json'])).toBe(0);
    expect((JSON.parse(h.stdout.text) as AuditEvent[]).map((e) => e.type)).toEqual(expect.arrayContaining(['token.refused', 'agent.removed']));
    const none = createHarness({ wallet });
    expect(await none.run(['audit', '--since', '2023-11-14T22:12:00Z', '--agent', 'agt_0000000000000005'])).toBe(0);
    expect(none.stderr.text).toMatch(/^No audit events match\.\n/mu);
  });

  it('an unknown agent name: error[agent.not_found], exit 1', async () => {
    const { wallet } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['audit', '--agent', 'ghost'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[agent\.not_found\]: There is no agent named "ghost"\.\nhint: /mu);
  });

  it('agent names, resources and scopes from the record are made inert; a reason is a code or refused', async () => {
    const memory = await memoryWallet();
    // What the bridge's schemas keep out (they take printable ASCII only), written to the real log to show the CLI keeps it inert anyway.
    await expect(memory.composed.audit.append({ type: 'token.refused', outcome: 'denied', reason: 'r\u009b1m' })).rejects.toMatchObject({ code: 'input.invalid' });
    await memory.composed.audit.append({ type: 'token.refused', outcome: 'denied', agentName: 'x\u001b[2J', resource: 'https://a/\u202Efdp.exe', scopes: ['s\u0000'], reason: 'grant.none' });
    const h = createHarness({ wallet: memory.wallet });
    expect(await h.run(['audit'])).toBe(0);
    expect(h.stdout.text).toContain('x\\x1b[2J');
    expect(h.stdout.text).toContain('https://a/\\u{202e}fdp.exe');
    expect(h.stdout.text).toContain('s\\x00');
    expect(h.stdout.text).not.toMatch(/[\u0000\u001b\u009b\u202E]/u);
  });
});

/** Passphrase vaults: the audit log is a file in the wallet's home, to damage. */
const PASSPHRASE = 'audit cli passphrase, not a secret';

describe('latchkey audit verify', () => {
  it('exit 0 and "N entries, chain intact"', async () => {
    const { wallet, events } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['audit', 'verify'])).toBe(0);
    expect(h.stdout.text).toBe(`${events.length} entries, chain intact.\n`);
  });

  it('exit 1 naming the seq and the problem', async () => {
    const swap = (lines: string[]): string[] => [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)];
    for (const [problem, words, damage] of [
      ['changed', 'was changed after it was written', (lines: string[]) => lines.map((l, i) => (i === 2 ? l.replace('"ci-bot"', '"ci-bOt"') : l))],
      ['removed', 'follows an entry that was removed', (lines: string[]) => lines.filter((_, i) => i !== 1)],
      ['reordered', 'is out of order', swap],
      ['malformed', 'cannot be read', (lines: string[]) => lines.map((l, i) => (i === 2 ? '{"seq": 2, not json' : l))],
    ] as const) {
      const { memory, wallet } = await seeded({ passphrase: PASSPHRASE });
      const file = join(memory.home, 'audit.jsonl');
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      await writeFile(file, `${damage(lines).join('\n')}\n`);
      const h = createHarness({ wallet });
      expect(await h.run(['audit', 'verify']), problem).toBe(1);
      expect(h.stdout.text).toBe('');
      expect(h.stderr.text, problem).toMatch(new RegExp(`^error\\[audit\\.tampered\\]: The audit chain is broken at seq \\d+: that entry ${words}\\.\\nhint: `, 'mu'));
    }
  }, 60_000);
});

describe('latchkey audit verify: segments', () => {
  /** Enough owner changes to rotate a 1 KiB segment a few times. */
  async function rotated() {
    const memory = await memoryWallet({ passphrase: PASSPHRASE, compose: { audit: { maxSegmentBytes: 1024 } } });
    for (let i = 0; i < 20; i += 1) await memory.wallet.enrolAgent({ name: `bot-${i}` });
    const segments = (await readdir(memory.home)).filter((name) => /^audit\.\d{6}\.jsonl$/u.test(name)).sort();
    expect(segments.length).toBeGreaterThanOrEqual(2); // audit.jsonl, then at least two numbered ones
    return { memory, wallet: memory.wallet, segments, count: (await memory.wallet.queryAudit({ limit: 100_000 })).length };
  }

  it('T37: lists each segment with its seqs and result, then the whole chain', async () => {
    const { wallet, segments, count } = await rotated();
    const h = createHarness({ wallet });
    expect(await h.run(['audit', 'verify'])).toBe(0);
    const lines = h.stdout.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEGMENT +SEQS +ENTRIES +RESULT$/u);
    expect(lines[1]).toMatch(/^audit\.jsonl +0-\d+ +\d+ +intact$/u);
    for (const [i, segment] of segments.entries()) expect(lines[i + 2]).toMatch(new RegExp(`^${segment.replace(/\./gu, '\\.')} +\\d+-\\d+ +\\d+ +intact$`, 'u'));
    expect(lines.at(-1)).toBe(`${count} entries in ${segments.length + 1} segments, chain intact.`);
  });

  it('T37: a missing segment is named in the error and in its row', async () => {
    const { memory, wallet, segments } = await rotated();
    const gone = segments[0]!;
    const first = JSON.parse((await readFile(join(memory.home, gone), 'utf8')).split('\n')[0]!) as AuditEvent;
    await unlink(join(memory.home, gone));
    const h = createHarness({ wallet });
    expect(await h.run(['audit', 'verify'])).toBe(1);
    expect(h.stdout.text).toMatch(new RegExp(`^${gone.replace(/\./gu, '\\.')} {2}- +0 +MISSING: the file is gone$`, 'mu'));
    expect(h.stderr.text).toMatch(new RegExp(`^error\\[audit\\.tampered\\]: The audit chain is broken at seq ${first.seq}: the segment ${gone.replace(/\./gu, '\\.')} is missing\\.\\n`, 'mu'));
  });

  it('T37: a summary entry shows its count', async () => {
    const memory = await memoryWallet({ compose: { audit: { summaries: { intervalMs: 20 } } } });
    const written = new Promise<void>((resolve) => {
      const off = memory.composed.audit.on('appended', (event) => {
        if (event.type !== 'bridge.rejected') return;
        off();
        resolve();
      });
    });
    for (let i = 0; i < 20_000; i += 1) memory.composed.bridge.rejected({ code: 'bridge.unauthenticated', status: 401, transport: 'tcp' });
    await written;
    const h = createHarness({ wallet: memory.wallet });
    expect(await h.run(['audit'])).toBe(0);
    expect(h.stdout.text).toMatch(/bridge\.rejected\s+denied\s+-\s+-\s+-\s+bridge\.unauthenticated by tcp ×20000\s+-$/mu);
  });
});

/**
 * T37 through real processes: a wallet whose audit rotated into small segments, then the real
 * `latchkey audit` commands (the wallet opened by the CLI, or the daemon's over its owner socket).
 */
describe('T37: the real CLI on a rotated audit log', () => {
  const PASSPHRASE = 't37 cli passphrase, not a secret';
  const ENTRIES = 60;
  let base: string;
  let pristine: string;

  beforeAll(async () => {
    base = await mkdtemp('/tmp/lk37-');
    pristine = join(base, 'pristine');
    const composed = await composeWallet({ home: pristine, allowInsecureLoopback: false, vault: { mode: 'passphrase', passphrase: PASSPHRASE } }, {}, { audit: { maxSegmentBytes: 2048 } });
    await composed.wallet.enrolAgent({ name: 'ci-bot' });
    for (let i = 1; i < ENTRIES; i += 1) {
      await composed.audit.append({ type: 'token.refused', agentName: 'ci-bot', resource: 'https://mcp.example.com/mcp', outcome: 'denied', reason: 'grant.none' });
    }
    await composed.wallet.close();
  }, 60_000);

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  /** A copy of the log's home to run (and tamper with) on its own. */
  async function copyHome(name: string): Promise<{ home: string; env: Record<string, string> }> {
    const home = join(base, name);
    await cp(pristine, home, { recursive: true });
    const runtime = await mkdtemp(join(base, 'run-'));
    return { home, env: { LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: runtime, LATCHKEY_VAULT: 'passphrase', LATCHKEY_PASSPHRASE: PASSPHRASE } };
  }

  async function segmentsOf(home: string): Promise<string[]> {
    return (await readdir(home)).filter((name) => /^audit\.\d{6}\.jsonl$/u.test(name)).sort();
  }

  async function eventsOf(path: string): Promise<AuditEvent[]> {
    return (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as AuditEvent);
  }

  it('T37: `latchkey audit verify` checks every segment; listing and export read them all', async () => {
    const { home, env } = await copyHome('intact');
    const numbered = await segmentsOf(home);
    expect(numbered.length).toBeGreaterThanOrEqual(4);
    const verified = await runCli(['audit', 'verify'], env);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^SEGMENT +SEQS +ENTRIES +RESULT\naudit\.jsonl +0-\d+ +\d+ +intact\n/u);
    expect(verified.stdout).toContain(`${ENTRIES} entries in ${numbered.length + 1} segments, chain intact.`);
    const listed = await runCli(['audit', '--json', '--limit', '1000'], env);
    expect((JSON.parse(listed.stdout) as AuditEvent[]).map((event) => event.seq)).toEqual(Array.from({ length: ENTRIES }, (_, i) => i));
    const exported = await runCli(['audit', 'export'], env);
    expect(exported.stdout.trim().split('\n')).toHaveLength(ENTRIES);
  }, 60_000);

  it('T37: through the daemon, `latchkey audit verify` gets every segment\'s result over the owner socket', async () => {
    const { home, env } = await copyHome('daemon');
    const daemon = startCli(['daemon'], env);
    try {
      await waitForOutput(daemon, 'Press Ctrl-C to stop.');
      const verified = await runCli(['audit', 'verify'], env);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toContain(`${ENTRIES} entries in ${(await segmentsOf(home)).length + 1} segments, chain intact.`);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.done;
    }
  }, 60_000);

  const tampers = [
    [
      'a byte changed in a middle segment',
      async (home: string, numbered: string[]) => {
        const path = join(home, numbered[1] ?? '');
        const first = (await eventsOf(path))[0]!;
        await writeFile(path, (await readFile(path, 'utf8')).replace('"agentName":"ci-bot"', '"agentName":"ci-bOt"'));
        return { seq: first.seq, row: new RegExp(`^${numbered[1]} .* BROKEN at seq ${first.seq}: that entry was changed after it was written$`, 'mu') };
      },
    ],
    [
      'a middle segment deleted',
      async (home: string, numbered: string[]) => {
        const path = join(home, numbered[1] ?? '');
        const first = (await eventsOf(path))[0]!;
        await unlink(path);
        return { seq: first.seq, row: new RegExp(`^${numbered[1]} .* MISSING: the file is gone$`, 'mu') };
      },
    ],
    [
      'a middle segment truncated',
      async (home: string, numbered: string[]) => {
        const path = join(home, numbered[1] ?? '');
        const events = await eventsOf(path);
        const last = events.at(-1)!;
        await truncate(path, Buffer.byteLength(await readFile(path, 'utf8')) - Buffer.byteLength(`${JSON.stringify(last)}\n`));
        return { seq: last.seq, row: new RegExp(`^${numbered[2]} .* BROKEN at seq ${last.seq}: that entry follows an entry that was removed$`, 'mu') };
      },
    ],
    [
      'the newest segment deleted (the vault\'s anchor still knows the head)',
      async (home: string, numbered: string[]) => {
        const path = join(home, numbered.at(-1) ?? '');
        const first = (await eventsOf(path))[0]!;
        await unlink(path);
        return { seq: first.seq, row: new RegExp(`^${numbered.at(-2)} .* BROKEN at seq ${first.seq}: that entry follows an entry that was removed$`, 'mu') };
      },
    ],
  ] as const;
  for (const [index, [name, tamper]] of tampers.entries()) {
    it(`T37: \`latchkey audit verify\` exits 1 and names the place: ${name}`, async () => {
      const { home, env } = await copyHome(`case-${index}`);
      const expected = await tamper(home, await segmentsOf(home));
      const verified = await runCli(['audit', 'verify'], env);
      expect(verified.code, verified.stderr).toBe(1);
      expect(verified.stderr).toMatch(new RegExp(`^error\\[audit\\.tampered\\]: The audit chain is broken at seq ${expected.seq}: `, 'mu'));
      expect(verified.stdout).toMatch(expected.row);
    }, 60_000);
  }
});

describe('latchkey audit export', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes JSON Lines on stdout, one AuditEvent per line', async () => {
    const { wallet, events } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['audit', 'export'])).toBe(0);
    const lines = h.stdout.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(events);
  });

  it('--out writes a 0600 file (also over an existing 0644 one) and takes the filters', async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-'));
    const file = join(dir, 'audit.jsonl');
    writeFileSync(file, 'old contents that are longer than the new ones '.repeat(100), { mode: 0o644 });
    const { wallet, events } = await seeded();
    const ok = events.filter((e) => e.outcome === 'ok');
    const h = createHarness({ wallet });
    expect(await h.run(['audit', 'export', '--out', file, '--outcome', 'ok'])).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(ok);
    expect(ok.length).toBeLessThan(events.length);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toMatch(new RegExp(`^Wrote ${ok.length} audit entries to ${file.replace(/\./gu, '\\.')}\\.\\n`, 'mu'));
  });

  it('--out refuses to follow a symlink', async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-'));
    const target = join(dir, 'target');
    writeFileSync(target, 'keep me', { mode: 0o644 });
    const link = join(dir, 'link.jsonl');
    symlinkSync(target, link);
    const { wallet } = await seeded();
    const h = createHarness({ wallet });
    expect(await h.run(['audit', 'export', '--out', link])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[input\.invalid\]: Could not write .*link\.jsonl \(ELOOP\)\./mu);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
  });
});

describe('audit usage', () => {
  for (const [name, argv, message] of [
    ['a bad --outcome', ['audit', '--outcome', 'maybe'], /--outcome "maybe" is not an outcome/],
    ['a zero --limit', ['audit', '--limit', '0'], /--limit "0" is not a number between 1 and 100000/],
    ['a bad --since', ['audit', '--since', 'last week'], /--since "last week" is neither a duration nor an ISO time/],
    ['--out without export', ['audit', '--out', 'x.jsonl'], /--out does not apply to "latchkey audit"/],
    ['filters on verify', ['audit', 'verify', '--agent', 'a'], /--agent does not apply to "latchkey audit verify"/],
    ['--json on export', ['audit', 'export', '--json'], /--json does not apply to .*latchkey audit export/],
    ['an unknown action', ['audit', 'purge'], /Unknown audit action "purge"/],
    ['two actions', ['audit', 'verify', 'export'], /Unexpected argument "export"/],
  ] as const) {
    it(`usage error, exit 2: ${name}`, async () => {
      const h = createHarness();
      expect(await h.run([...argv])).toBe(2);
      expect(h.stderr.text + h.stdout.text).toMatch(message);
      expect(h.configs).toHaveLength(0);
    });
  }

  it('--help shows the three forms and examples, also from "audit verify --help"', async () => {
    for (const argv of [['audit', '--help'], ['audit', 'verify', '--help'], ['audit', 'export', '--help']]) {
      const h = createHarness();
      expect(await h.run(argv)).toBe(0);
      expect(h.stdout.text).toContain('Usage: latchkey audit [--agent A] [--since T] [--resource R] [--outcome ok|denied|error] [--limit N] [--json]');
      expect(h.stdout.text).toContain('       latchkey audit verify\n');
      expect(h.stdout.text).toContain('       latchkey audit export [--out FILE]');
      expect(h.stdout.text).toMatch(/Examples:\n {2}latchkey audit --agent ci-bot --since 1h\n/u);
    }
  });
});
