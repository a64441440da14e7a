import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/agents.js';
import { composeWallet } from '../../../electron/wallet/wallet.js';
import { createFakeWallet, fakeId, sampleAgent, sampleAuditEvent } from '../../fakes/fake-wallet.js';
import { runCli, startCli, waitForOutput } from '../../support/run-cli.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const agents = [sampleAgent()];
const events = [
  sampleAuditEvent(),
  sampleAuditEvent({ seq: 2, time: NOW - 60_000, type: 'token.refused', outcome: 'denied', reason: 'grant.none', tokenFingerprint: undefined }),
  sampleAuditEvent({ seq: 3, time: NOW - 30_000, type: 'approval.decided', outcome: 'ok', actor: 'owner', reason: 'approved', scopes: [], tokenFingerprint: undefined }),
];

describe('latchkey audit', () => {
  it('prints one aligned line per event with the token fingerprint, never a token', async () => {
    const h = createHarness({ wallet: createFakeWallet({ agents, audit: events }) });
    expect(await h.run(['audit'])).toBe(0);
    const lines = h.stdout.text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^TIME\s+SEQ\s+TYPE\s+OUTCOME\s+AGENT\s+SERVER\s+SCOPES\s+REASON\s+TOKEN$/);
    expect(lines[1]).toMatch(/^2023-11-14 21:56:40Z\s+1\s+token\.issued\s+ok\s+ci-bot\s+https:\/\/mcp\.example\.com\/mcp\s+files:read\s+-\s+sha256:AbCdEf012345$/);
    expect(lines[2]).toMatch(/^2023-11-14 22:12:20Z\s+2\s+token\.refused\s+denied\s+ci-bot\s+\S+\s+files:read\s+grant\.none\s+-$/);
    expect(lines[3]).toMatch(/\s+3\s+approval\.decided\s+ok\s+.*\s+-\s+approved by owner\s+-$/);
    const column = (line: string | undefined): number => line?.indexOf('ci-bot') ?? -1;
    expect(new Set([column(lines[1]), column(lines[2]), column(lines[3])]).size).toBe(1);
  });

  it('--json prints the AuditEvent array', async () => {
    const h = createHarness({ wallet: createFakeWallet({ agents, audit: events }) });
    expect(await h.run(['audit', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual(events);
  });

  it('passes the filters: --agent by name resolves to the id, --since 1h counts back from now, --resource, --outcome, --limit', async () => {
    const wallet = createFakeWallet({ agents, audit: events });
    const h = createHarness({ wallet });
    const argv = ['audit', '--agent', 'ci-bot', '--since', '1h', '--resource', 'https://mcp.example.com/mcp', '--outcome', 'denied', '--limit', '5'];
    expect(await h.run(argv)).toBe(0);
    expect(wallet.calls.queryAudit).toEqual([
      { agentId: fakeId('agt', 1), since: NOW - 3_600_000, resource: 'https://mcp.example.com/mcp', outcome: 'denied', limit: 5 },
    ]);
    expect(h.stdout.text).toContain('token.refused');
    expect(h.stdout.text).not.toContain('token.issued');
  });

  it('--since takes an ISO time; --agent takes an id as is (a removed agent)', async () => {
    const wallet = createFakeWallet({ audit: events });
    const h = createHarness({ wallet });
    expect(await h.run(['audit', '--since', '2023-11-14T22:12:00Z', '--agent', fakeId('agt', 5)])).toBe(0);
    expect(wallet.calls.queryAudit).toEqual([{ agentId: fakeId('agt', 5), since: Date.parse('2023-11-14T22:12:00Z') }]);
    expect(h.stderr.text).toBe('No audit events match.\n');
  });

  it('an unknown agent name: error[agent.not_found], exit 1', async () => {
    const h = createHarness({ wallet: createFakeWallet({ audit: events }) });
    expect(await h.run(['audit', '--agent', 'ghost'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[agent\.not_found\]: There is no agent named "ghost"\.\nhint: /u);
  });

  it('agent names, resources, scopes and reasons from the record are made inert', async () => {
    const hostile = sampleAuditEvent({ agentName: 'x\u001b[2J', resource: 'https://a/\u202Efdp.exe', scopes: ['s\u0000'], reason: 'r\u009b1m' });
    const h = createHarness({ wallet: createFakeWallet({ audit: [hostile] }) });
    expect(await h.run(['audit'])).toBe(0);
    expect(h.stdout.text).toContain('x\\x1b[2J');
    expect(h.stdout.text).toContain('https://a/\\u{202e}fdp.exe');
    expect(h.stdout.text).toContain('s\\x00');
    expect(h.stdout.text).toContain('r\\x9b1m');
    expect(h.stdout.text).not.toMatch(/[\u0000\u001b\u009b\u202E]/u);
  });
});

describe('latchkey audit verify', () => {
  it('exit 0 and "N entries, chain intact"', async () => {
    const h = createHarness({ wallet: createFakeWallet({ audit: events }) });
    expect(await h.run(['audit', 'verify'])).toBe(0);
    expect(h.stdout.text).toBe('3 entries, chain intact.\n');
  });

  it('exit 1 naming the seq and the problem', async () => {
    for (const [problem, words] of [
      ['changed', 'was changed after it was written'],
      ['removed', 'follows an entry that was removed'],
      ['reordered', 'is out of order'],
      ['malformed', 'cannot be read'],
    ] as const) {
      const h = createHarness({ wallet: createFakeWallet({ audit: events, auditVerification: { ok: false, seq: 2, problem } }) });
      expect(await h.run(['audit', 'verify'])).toBe(1);
      expect(h.stdout.text).toBe('');
      expect(h.stderr.text).toMatch(new RegExp(`^error\\[audit\\.tampered\\]: The audit chain is broken at seq 2: that entry ${words}\\.\\nhint: `, 'u'));
    }
  });
});

describe('latchkey audit verify: segments', () => {
  it('T37: lists each segment with its seqs and result, then the whole chain', async () => {
    const segments = [
      { file: 'audit.jsonl', ok: true, count: 2, firstSeq: 0, lastSeq: 1 },
      { file: 'audit.000001.jsonl', ok: true, count: 1, firstSeq: 2, lastSeq: 2 },
    ];
    const h = createHarness({ wallet: createFakeWallet({ audit: events, auditVerification: { ok: true, count: 3, segments } }) });
    expect(await h.run(['audit', 'verify'])).toBe(0);
    expect(h.stdout.text.split('\n')).toEqual([
      'SEGMENT             SEQS  ENTRIES  RESULT',
      'audit.jsonl         0-1   2        intact',
      'audit.000001.jsonl  2-2   1        intact',
      '3 entries in 2 segments, chain intact.',
      '',
    ]);
  });

  it('T37: a missing segment is named in the error and in its row', async () => {
    const segments = [
      { file: 'audit.jsonl', ok: true, count: 2, firstSeq: 0, lastSeq: 1 },
      { file: 'audit.000001.jsonl', ok: false, count: 0, problem: 'missing' as const, seq: 2 },
      { file: 'audit.000002.jsonl', ok: true, count: 1, firstSeq: 5, lastSeq: 5 },
    ];
    const h = createHarness({ wallet: createFakeWallet({ audit: events, auditVerification: { ok: false, seq: 2, problem: 'removed', segments } }) });
    expect(await h.run(['audit', 'verify'])).toBe(1);
    expect(h.stdout.text).toMatch(/^audit\.000001\.jsonl {2}- +0 +MISSING: the file is gone$/mu);
    expect(h.stderr.text).toMatch(/^error\[audit\.tampered\]: The audit chain is broken at seq 2: the segment audit\.000001\.jsonl is missing\.\n/u);
  });

  it('T37: a summary entry shows its count', async () => {
    const summary = sampleAuditEvent({ seq: 4, type: 'bridge.rejected', outcome: 'denied', reason: 'bridge.unauthenticated', actor: 'tcp', count: 20000, agentId: undefined, agentName: undefined, resource: undefined, scopes: undefined, tokenFingerprint: undefined });
    const h = createHarness({ wallet: createFakeWallet({ audit: [summary] }) });
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
    const h = createHarness({ wallet: createFakeWallet({ audit: events }) });
    expect(await h.run(['audit', 'export'])).toBe(0);
    const lines = h.stdout.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(events);
  });

  it('--out writes a 0600 file (also over an existing 0644 one) and takes the filters', async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-'));
    const file = join(dir, 'audit.jsonl');
    writeFileSync(file, 'old contents that are longer than the new ones '.repeat(100), { mode: 0o644 });
    const wallet = createFakeWallet({ audit: events });
    const h = createHarness({ wallet });
    expect(await h.run(['audit', 'export', '--out', file, '--outcome', 'ok'])).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([events[0], events[2]]);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toBe(`Wrote 2 audit entries to ${file}.\n`);
    expect(wallet.calls.queryAudit).toEqual([{ outcome: 'ok' }]);
  });

  it('--out refuses to follow a symlink', async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-'));
    const target = join(dir, 'target');
    writeFileSync(target, 'keep me', { mode: 0o644 });
    const link = join(dir, 'link.jsonl');
    symlinkSync(target, link);
    const h = createHarness({ wallet: createFakeWallet({ audit: events }) });
    expect(await h.run(['audit', 'export', '--out', link])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[input\.invalid\]: Could not write .*link\.jsonl \(ELOOP\)\./u);
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
      const wallet = createFakeWallet({ audit: events });
      const h = createHarness({ wallet });
      expect(await h.run([...argv])).toBe(2);
      expect(h.stderr.text + h.stdout.text).toMatch(message);
      expect(wallet.calls.queryAudit).toEqual([]);
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
