/**
 * T37: the audit log rotates into segments; the hash chain runs across them, verify checks every
 * segment (and says which one is broken or missing), queries and export read them all.
 */
import { mkdir, mkdtemp, open as openFile, readdir, readFile, rename, rm, stat, symlink, truncate, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../../../shared/agents.js';
import { openAuditLog, type AuditAnchor, type AuditHead, type AuditInput, type AuditLog } from '../../../../electron/wallet/audit/audit-log.js';
import { openFileStorage } from '../../../../electron/wallet/audit/audit-segments.js';
import { GENESIS_HASH } from '../../../../electron/wallet/audit/chain.js';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';
import { clockOf, ManualScheduler } from '../agents/manual-scheduler.js';

const A = 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const R = 'https://mcp.example.com/mcp';
/** About five entries per segment. */
const SEGMENT_BYTES = 1500;

class MemoryAnchor implements AuditAnchor {
  head: AuditHead | undefined;
  read(): AuditHead | undefined {
    return this.head;
  }
  async write(head: AuditHead): Promise<void> {
    this.head = head;
  }
}

let dir: string;
let path: string;
const open: AuditLog[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'latchkey-segments-'));
  path = join(dir, 'audit.jsonl');
});

afterEach(async () => {
  for (const log of open.splice(0)) await log.close().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

async function start(anchor?: AuditAnchor): Promise<AuditLog> {
  const scheduler = new ManualScheduler();
  const log = await openAuditLog({ path, maxSegmentBytes: SEGMENT_BYTES, clock: clockOf(scheduler), scheduler, ...(anchor === undefined ? {} : { anchor }) });
  open.push(log);
  return log;
}

async function closeAll(): Promise<void> {
  for (const log of open.splice(0)) await log.close();
}

function issued(i: number): AuditInput {
  return { type: 'token.issued', agentId: A, agentName: 'a', resource: R, scopes: ['read'], outcome: 'ok', tokenFingerprint: fingerprint(`token-${i}`) };
}

async function fill(log: AuditLog, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i += 1) await log.append(issued(i));
}

/** The segment files, oldest first. */
async function segmentFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /^audit(\.\d{6})?\.jsonl$/u.test(name)).sort((a, b) => (a === 'audit.jsonl' ? -1 : b === 'audit.jsonl' ? 1 : a < b ? -1 : 1));
}

async function eventsIn(name: string): Promise<AuditEvent[]> {
  return (await readFile(join(dir, name), 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AuditEvent);
}

describe('T37: audit segments', () => {
  it('T37: passing the size starts a new segment whose first entry chains to the previous segment\'s last; verify covers them all', async () => {
    const log = await start();
    await fill(log, 0, 30);
    const files = await segmentFiles();
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(files.slice(0, 3)).toEqual(['audit.jsonl', 'audit.000001.jsonl', 'audit.000002.jsonl']);
    let previous: AuditEvent | undefined;
    for (const name of files) {
      const events = await eventsIn(name);
      expect((await stat(join(dir, name))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, name))).size).toBeLessThan(SEGMENT_BYTES + 500);
      expect(events[0]?.prevHash).toBe(previous?.hash ?? GENESIS_HASH);
      previous = events.at(-1);
    }
    const result = await log.verify();
    expect(result).toMatchObject({ ok: true, count: 30 });
    expect(result.segments.map((segment) => segment.file)).toEqual(files);
    expect(result.segments.every((segment) => segment.ok)).toBe(true);
    expect(result.segments.reduce((sum, segment) => sum + segment.count, 0)).toBe(30);
    expect(result.segments[1]).toMatchObject({ firstSeq: (result.segments[0]?.lastSeq ?? -9) + 1 });
  });

  it('T37: reopening continues in the newest segment; queries, limits and export read across segments', async () => {
    const anchor = new MemoryAnchor();
    await fill(await start(anchor), 0, 12);
    await closeAll();
    const log = await start(anchor);
    expect((await log.append(issued(12))).seq).toBe(12);
    await fill(log, 13, 7);
    expect((await log.query()).map((event) => event.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await log.query({ limit: 7 })).map((event) => event.seq)).toEqual([13, 14, 15, 16, 17, 18, 19]);
    expect((await log.query({ since: 0, type: 'token.issued', limit: 100 })).length).toBe(20);
    const chunks: Buffer[] = [];
    await log.exportJsonl(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      }),
    );
    const stored = await Promise.all((await segmentFiles()).map((name) => readFile(join(dir, name), 'utf8')));
    expect(Buffer.concat(chunks).toString('utf8')).toBe(stored.join(''));
    expect(await log.verify()).toMatchObject({ ok: true, count: 20 });
  });

  it('T37: a changed byte in a middle segment is reported there; the other segments still check out', async () => {
    const log = await start();
    await fill(log, 0, 30);
    const files = await segmentFiles();
    const victim = files[2] ?? '';
    const text = await readFile(join(dir, victim), 'utf8');
    await writeFile(join(dir, victim), text.replace('"agentName":"a"', '"agentName":"b"'));
    const seq = (await eventsIn(files[1] ?? '')).at(-1)!.seq + 1;
    const result = await log.verify();
    expect(result).toMatchObject({ ok: false, seq, problem: 'changed' });
    expect(result.segments.filter((segment) => !segment.ok)).toEqual([expect.objectContaining({ file: victim, problem: 'changed', seq })]);
  });

  it('T37: a deleted middle segment is reported missing, found again after a restart', async () => {
    const anchor = new MemoryAnchor();
    const log = await start(anchor);
    await fill(log, 0, 30);
    const files = await segmentFiles();
    const gone = files[2] ?? '';
    const seq = (await eventsIn(files[1] ?? '')).at(-1)!.seq + 1;
    await unlink(join(dir, gone));
    const result = await log.verify();
    expect(result).toMatchObject({ ok: false, seq, problem: 'removed' });
    expect(result.segments.find((segment) => segment.file === gone)).toMatchObject({ ok: false, problem: 'missing', count: 0 });
    expect(result.segments.filter((segment) => segment.file !== gone).every((segment) => segment.ok)).toBe(true);
    await closeAll();
    const again = await start(anchor);
    expect(await again.verify()).toMatchObject({ ok: false, seq, problem: 'removed', segments: expect.arrayContaining([expect.objectContaining({ file: gone, problem: 'missing' })]) });
  });

  for (const [name, tamper, expected] of [
    [
      'the last entry of a middle segment cut off',
      async (files: string[]) => {
        const cut = (await eventsIn(files[1] ?? '')).at(-1)!;
        const text = await readFile(join(dir, files[1] ?? ''), 'utf8');
        await truncate(join(dir, files[1] ?? ''), Buffer.byteLength(text) - Buffer.byteLength(`${JSON.stringify(cut)}\n`));
        return { seq: cut.seq, file: files[2] ?? '', problem: 'removed' };
      },
      'removed',
    ],
    [
      'the first segment deleted',
      async () => {
        await unlink(path);
        return { seq: 0, file: 'audit.jsonl', problem: 'missing' };
      },
      'removed',
    ],
    [
      'the newest segment deleted (the vault\'s anchor knows the head)',
      async (files: string[]) => {
        const first = (await eventsIn(files.at(-1) ?? ''))[0]!;
        await unlink(join(dir, files.at(-1) ?? ''));
        return { seq: first.seq, file: files.at(-2) ?? '', problem: 'removed' };
      },
      'removed',
    ],
  ] as const) {
    it(`T37: found after a restart: ${name}`, async () => {
      const anchor = new MemoryAnchor();
      await fill(await start(anchor), 0, 30);
      await closeAll();
      const at = await tamper(await segmentFiles());
      const log = await start(anchor);
      const result = await log.verify();
      expect(result).toMatchObject({ ok: false, seq: at.seq, problem: expected });
      expect(result.segments.filter((segment) => !segment.ok)).toEqual([expect.objectContaining({ file: at.file, problem: at.problem })]);
      expect(await segmentFiles()).not.toContain(at.problem === 'missing' ? at.file : 'none');
      expect(log.head()?.seq).toBe(29);
    });
  }

  it('a segment that holds only a line a kill left unfinished is emptied at open; the chain goes on from the segment before', async () => {
    const log = await start();
    await fill(log, 0, 12);
    await closeAll();
    const files = await segmentFiles();
    const last = (await eventsIn(files.at(-1)!)).at(-1)!;
    const next = `audit.${String(files.length).padStart(6, '0')}.jsonl`;
    await writeFile(join(dir, next), '{"seq":12,"time":');
    const again = await start();
    expect(again.head()?.seq).toBe(last.seq + 1);
    const [removal] = await again.query({ limit: 1 });
    expect(removal).toMatchObject({ type: 'audit.tail_removed', seq: last.seq + 1, prevHash: last.hash, count: 17 });
    expect((await again.verify()).ok).toBe(true);
  });

  it('removing an unfinished line never cuts a file put in the log\'s place: only the one it has open', async () => {
    const log = await start();
    await fill(log, 0, 2);
    await closeAll();
    const before = await readFile(path, 'utf8');
    const storage = await openFileStorage(path, { maxSegmentBytes: SEGMENT_BYTES });
    try {
      const planted = join(dir, 'planted');
      await writeFile(planted, `${before.slice(0, 10)}\n${before.slice(10, -1)}`);
      await rename(planted, path);
      expect(await storage.dropTornTail()).toBe(0);
      expect(await readFile(path, 'utf8')).toBe(`${before.slice(0, 10)}\n${before.slice(10, -1)}`);
    } finally {
      await storage.close();
    }
  });

  it('a rotation syncs the sealed segment to disk; syncs running alongside appends, rotations and close never collide', async () => {
    const probe = await openFile(join(dir, 'probe'), 'w');
    const prototype = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const datasync = vi.spyOn(prototype, 'datasync');
    try {
      const log = await start();
      await fill(log, 0, 12); // fewer than 100 records and no time passes: only rotations sync
      expect(datasync).toHaveBeenCalledTimes((await segmentFiles()).length - 1);
      await log.close();
      open.splice(0);
      datasync.mockClear();
      const scheduler = new ManualScheduler();
      // A sync after every batch, while batches rotate and close comes last.
      const busy = await openAuditLog({ path, maxSegmentBytes: SEGMENT_BYTES, clock: clockOf(scheduler), scheduler, syncRecords: 1 });
      for (let batch = 0; batch < 10; batch += 1) {
        await Promise.all(Array.from({ length: 4 }, (_, i) => busy.append(issued(12 + 4 * batch + i))));
      }
      await busy.close();
      expect(datasync.mock.calls.length).toBeGreaterThan(5);
    } finally {
      datasync.mockRestore();
    }
    const reopened = await start();
    expect(await reopened.verify()).toMatchObject({ ok: true, count: 52 });
  });

  it('the first sync after opening also flushes the newest sealed segment (its writer may have died mid-rotation) and the directory, once', async () => {
    await fill(await start(), 0, 8);
    await closeAll();
    const probe = await openFile(join(dir, 'probe'), 'w');
    const fsync = vi.spyOn(Object.getPrototypeOf(probe) as FileHandle, 'sync');
    await probe.close();
    try {
      const storage = await openFileStorage(path, { maxSegmentBytes: SEGMENT_BYTES });
      await storage.sync();
      expect(fsync).toHaveBeenCalledTimes(2);
      await storage.sync();
      expect(fsync).toHaveBeenCalledTimes(2);
      await storage.close();
    } finally {
      fsync.mockRestore();
    }
  });

  it('T37: a link planted where the next segment goes is not followed: the log keeps writing where it was', async () => {
    const log = await start();
    await fill(log, 0, 4);
    const target = join(dir, 'elsewhere');
    await writeFile(target, '');
    await symlink(target, join(dir, 'audit.000001.jsonl'));
    await mkdir(join(dir, 'audit.000002.jsonl'));
    await fill(log, 4, 10);
    expect(await readFile(target, 'utf8')).toBe('');
    expect((await eventsIn('audit.jsonl')).length).toBe(14);
    expect(await log.verify()).toMatchObject({ ok: true, count: 14 });
  });
});
