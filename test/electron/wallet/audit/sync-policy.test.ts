/**
 * When written audit records reach the disk: at most 1 s after the first one not yet there, or
 * when 100 are waiting (after the current turn); one sync at a time; the head reported durable is
 * the one a finished sync covered. Time is a hand-driven scheduler, syncs are promises the test
 * settles.
 */
import { describe, expect, it, vi } from 'vitest';
import type { AuditHead } from '../../../../electron/wallet/audit/chain.js';
import { SyncPolicy } from '../../../../electron/wallet/audit/sync-policy.js';
import { createLogCollector } from '../vault/temp-dirs.js';
import { ManualScheduler } from '../agents/manual-scheduler.js';

interface PendingSync {
  resolve: () => void;
  reject: (error: Error) => void;
}

function setUp(): { policy: SyncPolicy; scheduler: ManualScheduler; syncs: PendingSync[]; durable: number[]; lines: string[]; write: (count: number) => void } {
  const scheduler = new ManualScheduler();
  const syncs: PendingSync[] = [];
  const durable: number[] = [];
  const { lines, logger } = createLogCollector();
  const policy = new SyncPolicy({
    sync: () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })),
    durable: (head: AuditHead) => durable.push(head.seq),
    scheduler,
    logger,
  });
  let seq = -1;
  const write = (count: number): void => {
    seq += count;
    policy.noteWritten({ seq, hash: `h${seq}` }, count);
  };
  return { policy, scheduler, syncs, durable, lines, write };
}

/** Lets every queued promise job run (one macrotask turn), so a sync that would start has started. */
function microtasksRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function settle(sync: PendingSync | undefined, durable: number[], expected: number[]): Promise<void> {
  sync?.resolve();
  await vi.waitFor(() => expect(durable).toEqual(expected));
}

describe('audit sync policy', () => {
  it('syncs 1 s after the first unsynced record, not 1 s after the last', async () => {
    const { scheduler, syncs, durable, write } = setUp();
    write(1);
    scheduler.advance(500);
    write(3);
    scheduler.advance(499);
    expect(syncs).toHaveLength(0);
    scheduler.advance(1);
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    await settle(syncs[0], durable, [3]);
    expect(scheduler.pending).toBe(0);
  });

  it('syncs when 100 records wait, without the timer', async () => {
    const { scheduler, syncs, durable, write } = setUp();
    write(60);
    write(39);
    await microtasksRun();
    expect(syncs).toHaveLength(0);
    write(1);
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    expect(scheduler.pending).toBe(0);
    await settle(syncs[0], durable, [99]);
  });

  it('a sync the record count starts begins after the current turn: the hand-outs of that turn answer first, and one sync covers them all', async () => {
    const { syncs, durable, write } = setUp();
    write(100);
    write(5);
    // Still this turn: a hand-out whose record was the 100th has not answered yet.
    await Promise.resolve();
    expect(syncs).toHaveLength(0);
    await microtasksRun();
    expect(syncs).toHaveLength(1);
    await settle(syncs[0], durable, [104]);
  });

  it('never runs two syncs at once; what arrived meanwhile goes in one more', async () => {
    const { scheduler, syncs, durable, write } = setUp();
    write(100);
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    write(100);
    write(150);
    scheduler.advance(1000);
    await microtasksRun();
    expect(syncs).toHaveLength(1);
    await settle(syncs[0], durable, [99]);
    await vi.waitFor(() => expect(syncs).toHaveLength(2));
    // The second covers everything written before it started, not only what was there at the first's start.
    await settle(syncs[1], durable, [99, 349]);
    await microtasksRun();
    expect(syncs).toHaveLength(2);
  });

  it('reports as durable only the head written before the sync started', async () => {
    const { scheduler, syncs, durable, write } = setUp();
    write(5);
    scheduler.advance(1000);
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    write(2); // during the sync: not covered by it
    await settle(syncs[0], durable, [4]);
    scheduler.advance(1000);
    await vi.waitFor(() => expect(syncs).toHaveLength(2));
    await settle(syncs[1], durable, [4, 6]);
  });

  it('flush syncs what is written now and does nothing when nothing is', async () => {
    const { policy, scheduler, syncs, durable, write } = setUp();
    await policy.flush();
    expect(syncs).toHaveLength(0);
    write(3);
    const flushed = policy.flush();
    expect(scheduler.pending).toBe(0);
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    syncs[0]?.resolve();
    await flushed;
    expect(durable).toEqual([2]);
  });

  it('a failed sync is logged and tried again after 1 s; no head is called durable after it', async () => {
    const { scheduler, syncs, durable, lines, write } = setUp();
    write(100);
    await vi.waitFor(() => expect(syncs).toHaveLength(1));
    syncs[0]?.reject(Object.assign(new Error('I/O error'), { code: 'EIO' }));
    await vi.waitFor(() => expect(lines.some((line) => line.includes('"level":"error"') && line.includes('EIO'))).toBe(true));
    write(100); // failing: waits for the timer instead of syncing at once
    await microtasksRun();
    expect(syncs).toHaveLength(1);
    scheduler.advance(1000);
    await vi.waitFor(() => expect(syncs).toHaveLength(2));
    syncs[1]?.resolve();
    await vi.waitFor(() => expect(scheduler.pending).toBe(0));
    expect(durable).toEqual([]);
  });
});
