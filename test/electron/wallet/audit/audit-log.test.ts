import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openAuditLog, type AuditAnchor, type AuditHead, type AuditInput, type AuditLog, type VerifyResult } from '../../../../electron/wallet/audit/audit-log.js';
import { MemoryStorage } from '../../../../electron/wallet/audit/audit-storage.js';
import { canonicalJson, GENESIS_HASH, hashEvent } from '../../../../electron/wallet/audit/chain.js';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';
import { newSecret } from '../../../../electron/base/ids.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { clockOf, ManualScheduler } from '../agents/manual-scheduler.js';

const A = 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const R = 'https://mcp.example.com/mcp';

class MemoryAnchor implements AuditAnchor {
  head: AuditHead | undefined;
  writes = 0;
  read(): AuditHead | undefined {
    return this.head;
  }
  async write(head: AuditHead): Promise<void> {
    this.writes += 1;
    this.head = head;
  }
}

/** Memory storage whose syncs wait until the test releases them, in order. */
class GatedSyncStorage extends MemoryStorage {
  readonly syncs: Array<() => void> = [];
  override sync(): Promise<void> {
    return new Promise((resolve) => this.syncs.push(resolve));
  }
}

let dir: string;
let path: string;
const open: AuditLog[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-audit-'));
  path = join(dir, 'audit.jsonl');
});

afterEach(async () => {
  for (const log of open.splice(0)) await log.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function start(anchor?: AuditAnchor, scheduler = new ManualScheduler()): Promise<AuditLog> {
  const log = await openAuditLog({ path, clock: clockOf(scheduler), scheduler, ...(anchor === undefined ? {} : { anchor }) });
  open.push(log);
  return log;
}

function issued(i: number): AuditInput {
  return { type: 'token.issued', agentId: A, agentName: 'a', resource: R, scopes: ['read'], outcome: 'ok', tokenFingerprint: fingerprint(`token-${i}`) };
}

async function fill(log: AuditLog, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await log.append(issued(i));
}

/** A log of `n` records, written and closed (nothing of it open any more). */
async function closedLogOf(n: number): Promise<void> {
  const log = await start();
  await fill(log, n);
  await log.close();
  open.splice(0);
}

/** The whole log's result, without the per-segment list (one segment here). */
async function chainOf(log: AuditLog): Promise<Omit<VerifyResult, 'segments'>> {
  const { segments, ...result } = await log.verify();
  expect(segments).toHaveLength(1);
  return result;
}

async function lines(): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter((line) => line.length > 0);
}

async function rewrite(change: (lines: string[]) => string[]): Promise<void> {
  await writeFile(path, `${change(await lines()).join('\n')}\n`);
}

describe('AuditLog chain', () => {
  it('appends hash-chained events to a 0600 file and verifies them', async () => {
    const log = await start();
    const first = await log.append(issued(0));
    const second = await log.append({ type: 'token.refused', agentId: A, resource: R, outcome: 'denied', reason: 'grant.none' });
    expect(first).toMatchObject({ seq: 0, prevHash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 1, prevHash: first.hash });
    const { hash, ...rest } = second;
    expect(hashEvent(second.prevHash, rest)).toBe(hash);
    expect(log.head()).toEqual({ seq: 1, hash: second.hash });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await lines()).toHaveLength(2);
    expect(await chainOf(log)).toEqual({ ok: true, count: 2 });
  });

  it('serialises concurrent appends in seq order', async () => {
    const log = await start();
    const events = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(issued(i))));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect((await lines()).map((line) => (JSON.parse(line) as { seq: number }).seq)).toEqual(events.map((e) => e.seq));
    expect(await chainOf(log)).toEqual({ ok: true, count: 200 });
  });

  it('reopening continues the chain from the tail, and opens a log that ends at a line end as it is', async () => {
    await closedLogOf(3);
    const before = await readFile(path, 'utf8');
    const again = await start();
    expect(await readFile(path, 'utf8')).toBe(before);
    expect((await again.append(issued(3))).seq).toBe(3);
    expect(await chainOf(again)).toEqual({ ok: true, count: 4 });
  });

  it('tightens a wider file mode and refuses a symlink', async () => {
    await writeFile(path, '', { mode: 0o644 });
    const log = await start();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await log.close();
    open.splice(0);
    const target = join(dir, 'elsewhere.jsonl');
    await writeFile(target, '');
    await rm(path);
    await symlink(target, path);
    await expect(openAuditLog({ path })).rejects.toMatchObject({ code: ErrorCode.Internal });
  });
});

describe('AuditLog verify', () => {
  it('finds a changed entry', async () => {
    const log = await start();
    await fill(log, 5);
    await rewrite((ls) => ls.map((line, i) => (i === 2 ? line.replace('"outcome":"ok"', '"outcome":"denied"') : line)));
    expect(await chainOf(log)).toEqual({ ok: false, seq: 2, problem: 'changed' });
  });

  it('finds a changed entry even when its own hash was recomputed', async () => {
    const log = await start();
    await fill(log, 5);
    await rewrite((ls) =>
      ls.map((line, i) => {
        if (i !== 2) return line;
        const event = JSON.parse(line) as Record<string, unknown> & { prevHash: string };
        event['scopes'] = ['read', 'admin'];
        event['hash'] = hashEvent(event.prevHash, event);
        return JSON.stringify(event);
      }),
    );
    expect(await chainOf(log)).toEqual({ ok: false, seq: 2, problem: 'changed' });
  });

  it('finds an added unknown field', async () => {
    const log = await start();
    await fill(log, 3);
    await rewrite((ls) => ls.map((line, i) => (i === 1 ? line.replace('{', '{"note":"x",') : line)));
    expect(await chainOf(log)).toEqual({ ok: false, seq: 1, problem: 'changed' });
  });

  it('finds a removed entry in the middle', async () => {
    const log = await start();
    await fill(log, 5);
    await rewrite((ls) => ls.filter((_, i) => i !== 2));
    expect(await chainOf(log)).toEqual({ ok: false, seq: 2, problem: 'removed' });
  });

  it('finds a removed first entry', async () => {
    const log = await start();
    await fill(log, 3);
    await rewrite((ls) => ls.slice(1));
    expect(await chainOf(log)).toEqual({ ok: false, seq: 0, problem: 'removed' });
  });

  it('finds reordered entries', async () => {
    const log = await start();
    await fill(log, 5);
    await rewrite((ls) => [ls[0], ls[1], ls[3], ls[2], ls[4]].map(String));
    expect(await chainOf(log)).toEqual({ ok: false, seq: 2, problem: 'reordered' });
  });

  it('finds a malformed line', async () => {
    const log = await start();
    await fill(log, 3);
    await rewrite((ls) => [ls[0], '{"seq":1,', ls[2]].map(String));
    expect(await chainOf(log)).toEqual({ ok: false, seq: 1, problem: 'malformed' });
  });

  it('finds a removed LAST entry through the anchor, in this process and after a restart', async () => {
    const anchor = new MemoryAnchor();
    const log = await start(anchor);
    await fill(log, 4);
    await log.close();
    open.splice(0);
    expect(anchor.head?.seq).toBe(3);
    await rewrite((ls) => ls.slice(0, -1));
    const again = await start(anchor);
    expect(await chainOf(again)).toEqual({ ok: false, seq: 3, problem: 'removed' });
    // Appending more does not hide the gap: the chain continues from the anchored head.
    await fill(again, 2);
    await again.close();
    open.splice(0);
    const third = await start(anchor);
    expect(await chainOf(third)).toEqual({ ok: false, seq: 3, problem: 'removed' });
  });

  it('finds a removed last entry in the running process without an anchor', async () => {
    const log = await start();
    await fill(log, 3);
    await rewrite((ls) => ls.slice(0, -1));
    expect(await chainOf(log)).toEqual({ ok: false, seq: 2, problem: 'removed' });
  });

  it('finds a log replaced by a shorter, self-consistent chain', async () => {
    const anchor = new MemoryAnchor();
    const log = await start(anchor);
    await fill(log, 5);
    await log.close();
    open.splice(0);
    await rm(path);
    const forged = await openAuditLog({ path });
    await forged.append(issued(0));
    await forged.close();
    const again = await start(anchor);
    expect(await chainOf(again)).toEqual({ ok: false, seq: 1, problem: 'removed' });
  });

  it('finds a rewritten last entry with the same seq through the anchor', async () => {
    const anchor = new MemoryAnchor();
    const log = await start(anchor);
    await fill(log, 3);
    await log.close();
    open.splice(0);
    await rewrite((ls) =>
      ls.map((line, i) => {
        if (i !== 2) return line;
        const event = JSON.parse(line) as Record<string, unknown> & { prevHash: string };
        event['outcome'] = 'denied';
        event['hash'] = hashEvent(event.prevHash, event);
        return JSON.stringify(event);
      }),
    );
    const again = await start(anchor);
    expect(await chainOf(again)).toEqual({ ok: false, seq: 2, problem: 'changed' });
    await fill(again, 1);
    await again.close();
    open.splice(0);
    expect(await (await start(anchor)).verify()).toMatchObject({ ok: false, seq: 2, problem: 'changed' });
  });

  it('a torn last line (a write a kill cut short, never acknowledged) is removed at open, and the removal is recorded in the chain', async () => {
    await closedLogOf(2);
    const whole = await readFile(path, 'utf8');
    const torn = '{"seq":2,"ti';
    await writeFile(path, `${whole}${torn}`);
    const again = await start();
    const [, , removal] = (await again.query()).map(({ type, count, seq }) => ({ type, count, seq }));
    expect(removal).toEqual({ type: 'audit.tail_removed', count: Buffer.byteLength(torn), seq: 2 });
    expect((await again.append(issued(3))).seq).toBe(3);
    expect((await readFile(path, 'utf8')).startsWith(whole)).toBe(true);
    expect(await lines()).toHaveLength(4);
    expect(await chainOf(again)).toEqual({ ok: true, count: 4 });
  });

  it('a last record whole but for its line end is kept: nothing removed, and the next record starts on its own line', async () => {
    await closedLogOf(2);
    await writeFile(path, (await readFile(path, 'utf8')).slice(0, -1));
    const again = await start();
    expect((await again.append(issued(2))).seq).toBe(2);
    expect((await again.query()).map((event) => event.type)).not.toContain('audit.tail_removed');
    expect(await chainOf(again)).toEqual({ ok: true, count: 3 });
  });

  it('an unfinished last line that cannot be removed stays, is logged, and the next record starts on its own line', async () => {
    class FixedStorage extends MemoryStorage {
      override dropTornTail(): Promise<number> {
        return Promise.reject(Object.assign(new Error('read-only'), { code: 'EPERM' }));
      }
    }
    const storage = new FixedStorage();
    await (await openAuditLog({ storage })).append(issued(0));
    storage.text += '{"seq":1,"t';
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const again = await openAuditLog({ storage, logger });
    expect(warnings).toEqual([expect.stringContaining('Could not remove the unfinished last line')]);
    expect((await again.append(issued(1))).seq).toBe(1);
    expect(storage.text.split('\n').filter((line) => line !== '')).toHaveLength(3);
    expect(await again.verify()).toMatchObject({ ok: false, problem: 'malformed', seq: 1 });
  });

  it('in memory too: an unfinished last line is removed at open and recorded', async () => {
    const storage = new MemoryStorage();
    const first = await openAuditLog({ storage });
    await first.append(issued(0));
    storage.text += '{"seq":1,"t';
    const again = await openAuditLog({ storage });
    expect((await again.query()).map((event) => event.type)).toEqual(['token.issued', 'audit.tail_removed']);
    expect((await again.verify()).ok).toBe(true);
  });
});

describe('AuditLog content', () => {
  it('T30: never writes a secret: a canary token is refused anywhere, only fingerprints go in', async () => {
    const log = await start();
    const canary = newSecret('agent');
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJl';
    await log.append({ ...issued(0), tokenFingerprint: fingerprint(canary) });
    const attempts: AuditInput[] = [
      { ...issued(1), reason: canary },
      { ...issued(1), reason: 'the server said: invalid token' },
      { ...issued(1), tokenFingerprint: jwt },
      { ...issued(1), agentName: canary },
      { ...issued(1), resource: `${R}?access_token=${jwt}` },
      { ...issued(1), scopes: ['read', jwt] },
      { ...issued(1), actor: `Bearer ${canary}` },
    ];
    for (const attempt of attempts) await expect(log.append(attempt)).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(canary);
    expect(text).not.toContain(canary.slice('lk_agent_'.length));
    expect(text).not.toContain(jwt);
    expect(await chainOf(log)).toEqual({ ok: true, count: 1 });
  });

  it('queries by agent, resource, outcome, type, time and limit', async () => {
    const scheduler = new ManualScheduler();
    const log = await start(undefined, scheduler);
    await log.append(issued(0));
    scheduler.now += 1000;
    await log.append({ type: 'token.refused', agentId: A, resource: R, outcome: 'denied', reason: 'grant.none' });
    await log.append({ type: 'agent.enrolled', agentId: 'agt_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', agentName: 'b', outcome: 'ok', actor: 'owner' });
    await log.append(issued(3));
    expect((await log.query()).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    expect((await log.query({ agentId: A })).map((e) => e.seq)).toEqual([0, 1, 3]);
    expect((await log.query({ outcome: 'denied' })).map((e) => e.seq)).toEqual([1]);
    expect((await log.query({ type: 'token.issued' })).map((e) => e.seq)).toEqual([0, 3]);
    expect((await log.query({ resource: R, since: 1_700_000_000_000 + 1000 })).map((e) => e.seq)).toEqual([1, 3]);
    expect((await log.query({ limit: 2 })).map((e) => e.seq)).toEqual([2, 3]);
    expect((await log.query({ limit: 1 })).map((e) => e.seq)).toEqual([3]);
    expect((await log.query({ limit: 3, agentId: A })).map((e) => e.seq)).toEqual([0, 1, 3]);
    await log.close();
    await log.close();
  });

  it('exports JSONL exactly as stored, without ending the stream', async () => {
    const log = await start();
    await fill(log, 3);
    const chunks: Buffer[] = [];
    let ended = false;
    const out = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
      final(done) {
        ended = true;
        done();
      },
    });
    await log.exportJsonl(out);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(await readFile(path, 'utf8'));
    expect(ended).toBe(false);
  });

  it('emits appended events; unsubscribe stops them', async () => {
    const log = await start();
    const seen: number[] = [];
    const off = log.on('appended', (event) => seen.push(event.seq));
    await fill(log, 2);
    off();
    await fill(log, 1);
    expect(seen).toEqual([0, 1]);
  });

  it('the anchor names only a head on disk: synced within 1 s, anchored a debounce later, both done on close', async () => {
    const anchor = new MemoryAnchor();
    const scheduler = new ManualScheduler();
    const storage = new GatedSyncStorage();
    const log = await openAuditLog({ storage, anchor, clock: clockOf(scheduler), scheduler });
    await fill(log, 50);
    expect(storage.syncs).toHaveLength(0);
    scheduler.advance(1000);
    await vi.waitFor(() => expect(storage.syncs).toHaveLength(1));
    await fill(log, 10); // written during the sync: not covered by it
    scheduler.advance(1000);
    expect(anchor.writes).toBe(0);
    storage.syncs[0]?.();
    await vi.waitFor(() => expect(storage.syncs).toHaveLength(2));
    scheduler.advance(1000);
    await vi.waitFor(() => expect(anchor.head?.seq).toBe(49));
    expect(anchor.writes).toBe(1);
    const closed = log.close();
    storage.syncs[1]?.();
    await closed;
    expect(storage.syncs).toHaveLength(2);
    expect(anchor.writes).toBe(2);
    expect(anchor.head?.seq).toBe(59);
    await expect(log.append(issued(9))).rejects.toMatchObject({ code: ErrorCode.Internal });
  });

  it('group commit: the appends of one turn go out in one write; more gather while a write is under way', async () => {
    class RecordingStorage extends MemoryStorage {
      readonly writes: number[] = [];
      gate: Promise<void> | undefined;
      // Written at once when nothing waits; while the gate is up, through the queue (a rotation).
      override appendNow(text: string): boolean {
        if (this.gate !== undefined) return false;
        this.writes.push(text.split('\n').length - 1);
        return super.appendNow(text);
      }
      override async append(text: string): Promise<void> {
        this.writes.push(text.split('\n').length - 1);
        await this.gate;
        await super.append(text);
      }
    }
    const storage = new RecordingStorage();
    const log = await openAuditLog({ storage });
    await log.append(issued(0));
    await Promise.all([log.append(issued(1)), log.append(issued(2)), log.append(issued(3))]);
    // Two I/O-like callbacks in one turn: still one write.
    await new Promise<void>((resolve) => {
      setImmediate(() => void log.append(issued(4)));
      setImmediate(() => void log.append(issued(5)).then(() => resolve()));
    });
    let release = (): void => undefined;
    storage.gate = new Promise((resolve) => (release = resolve));
    const first = log.append(issued(6));
    await vi.waitFor(() => expect(storage.writes).toHaveLength(4));
    const gathered = [log.append(issued(7)), log.append(issued(8))];
    await new Promise((resolve) => setImmediate(resolve));
    const later = log.append(issued(9));
    storage.gate = undefined;
    release();
    await Promise.all([first, ...gathered, later]);
    expect(storage.writes).toEqual([1, 3, 2, 1, 3]);
    expect(await chainOf(log)).toEqual({ ok: true, count: 10 });
    await log.close();
  });

  it.each([
    ['written at once', false],
    ['through the queue (a rotation due)', true],
  ])('a failed write, %s, rejects its callers and does not move the chain', async (_how, queued) => {
    class FlakyStorage extends MemoryStorage {
      failNext = false;
      private fails(): boolean {
        const fail = this.failNext;
        this.failNext = false;
        return fail;
      }
      override appendNow(text: string): boolean {
        if (queued) return false;
        if (this.fails()) throw new Error('disk full');
        return super.appendNow(text);
      }
      override async append(text: string): Promise<void> {
        if (this.fails()) throw new Error('disk full');
        await super.append(text);
      }
    }
    const storage = new FlakyStorage();
    const log = await openAuditLog({ storage });
    await log.append(issued(0));
    storage.failNext = true;
    const results = await Promise.allSettled([log.append(issued(1)), log.append(issued(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await log.append(issued(3))).seq).toBe(1);
    expect(await chainOf(log)).toEqual({ ok: true, count: 2 });
    await log.close();
    await expect(log.append(issued(4))).rejects.toMatchObject({ code: ErrorCode.Internal });
  });

  it('works in memory (no path) with the same chain', async () => {
    const log = await openAuditLog();
    expect(log.path).toBe('(memory)');
    await log.append(issued(0));
    await log.append(issued(1));
    expect(await chainOf(log)).toEqual({ ok: true, count: 2 });
    expect((await log.query({ limit: 1 }))[0]?.seq).toBe(1);
    await log.close();
  });
});

describe('AuditLog lines', () => {
  /** Three lines as the wallet wrote them before lines were written in canonical order: the schema's key order. */
  const writtenBefore = [
    '{"seq":0,"time":1765000000000,"type":"agent.enrolled","agentId":"agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","agentName":"claude-code","outcome":"ok","prevHash":"0000000000000000000000000000000000000000000000000000000000000000","hash":"b904335095581a58c540a255fbba9b6c2c9b95a260cde24fe25ef9693e64c613"}',
    '{"seq":1,"time":1765000001000,"type":"token.issued","agentId":"agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","agentName":"claude-code","sessionId":"ses_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","resource":"https://mcp.example.com/mcp","scopes":["read","write"],"outcome":"ok","tokenFingerprint":"sha256:AbCdEfGhIjKl","tokenExpiresAt":1765003600000,"owner":"user-1","chain":["ses_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","claude-code","owner"],"prevHash":"b904335095581a58c540a255fbba9b6c2c9b95a260cde24fe25ef9693e64c613","hash":"415d52bdd0efecaf02bc40b74084b49fde726256f83e4eee9857bcf522203c9f"}',
    '{"seq":2,"time":1765000002000,"type":"token.refused","agentId":"agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","resource":"https://mcp.example.com/mcp","scopes":["admin"],"outcome":"denied","reason":"scope-not-granted","prevHash":"415d52bdd0efecaf02bc40b74084b49fde726256f83e4eee9857bcf522203c9f","hash":"314b0abe8d60c70ee5bb3d61f10640483510951da35d1bc4cef265de1194bbcc"}',
  ];

  it('a line written now is the event’s canonical JSON with its hash last, and parses back to the event', async () => {
    const log = await start();
    const events = [
      await log.append({ ...issued(0), sessionId: 'ses_b', chain: ['ses_b', 'a', 'owner'], owner: 'user-1', tokenExpiresAt: 1765003600000, reason: 'token-exchange' }),
      await log.append({ type: 'token.refused', agentId: A, resource: R, scopes: [], outcome: 'denied', reason: 'scope-not-granted' }),
    ];
    const written = await lines();
    expect(written).toHaveLength(2);
    for (const [i, event] of events.entries()) {
      const { hash, ...unhashed } = event;
      expect(written[i]).toBe(`${canonicalJson(unhashed).slice(0, -1)},"hash":"${hash}"}`);
      expect(JSON.parse(written[i] ?? '')).toEqual(event);
      expect(hashEvent(event.prevHash, event)).toBe(hash);
    }
    expect(await chainOf(log)).toEqual({ ok: true, count: 2 });
  });

  it('logs written before, in the schema’s key order, still verify, and the chain continues after them', async () => {
    await writeFile(path, `${writtenBefore.join('\n')}\n`, { mode: 0o600 });
    const log = await start();
    expect(await chainOf(log)).toEqual({ ok: true, count: 3 });
    const next = await log.append(issued(3));
    expect(next).toMatchObject({ seq: 3, prevHash: '314b0abe8d60c70ee5bb3d61f10640483510951da35d1bc4cef265de1194bbcc' });
    expect(await chainOf(log)).toEqual({ ok: true, count: 4 });
    expect((await lines()).slice(0, 3)).toEqual(writtenBefore);
    expect(await log.query({ agentId: A, outcome: 'denied' })).toEqual([JSON.parse(writtenBefore[2] ?? '')]);
  });
});
