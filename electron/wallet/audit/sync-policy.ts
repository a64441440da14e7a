/**
 * When the audit log's written records are flushed to the disk: an append is acknowledged once
 * the OS holds it (a killed process loses nothing acknowledged), and an fdatasync follows at most
 * `maxDelayMs` after the first record not yet on disk, or as soon as `maxRecords` are waiting,
 * whichever comes first. One sync at a time, in the storage's thread-pool call, never on the event
 * loop. A sync the record count starts begins after the current turn of the event loop, once the
 * hand-outs whose records filled the batch have answered: handing the sync to the thread pool wakes
 * a thread, and that cost the hand-out whose record was the 100th about 75 µs on a 2-vCPU VM.
 * After each sync, the head it covered is reported as durable: the anchor names only such heads,
 * so after a power loss the log is never shorter than its anchor because of this batching.
 *
 * A failed sync is logged and tried again after `maxDelayMs`; from then on no head is reported
 * durable in this process, because a later sync that succeeds does not prove that the pages the
 * failed one held reached the disk (Linux may drop them).
 */
import type { Scheduler, TimerHandle } from '../../base/async/deferred-writes.js';
import type { Logger } from '../../base/ports.js';
import type { AuditHead } from './chain.js';

export const DEFAULT_SYNC_DELAY_MS = 1000;
export const DEFAULT_SYNC_RECORDS = 100;

export interface SyncPolicyOptions {
  /** Flushes every record written so far to the disk. */
  sync: () => Promise<void>;
  /** Called after a sync with the newest head it covered. */
  durable: (head: AuditHead) => void;
  scheduler: Scheduler;
  logger: Logger;
  /** A record waits at most this long for the disk. Default 1000 ms. */
  maxDelayMs?: number;
  /** This many records waiting start a sync, after the current turn. Default 100. */
  maxRecords?: number;
}

export class SyncPolicy {
  private readonly maxDelayMs: number;
  private readonly maxRecords: number;
  private written: AuditHead | undefined;
  private unsynced = 0;
  private timer: TimerHandle | undefined;
  private syncs: Promise<void> = Promise.resolve();
  private queued = false;
  private deferred = false;
  private failed = false;

  constructor(private readonly options: SyncPolicyOptions) {
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_SYNC_DELAY_MS;
    this.maxRecords = options.maxRecords ?? DEFAULT_SYNC_RECORDS;
  }

  /** Notes `count` records now held by the OS, the newest ending at `head`. */
  noteWritten(head: AuditHead, count: number): void {
    this.written = head;
    this.unsynced += count;
    if (this.unsynced >= this.maxRecords && !this.failed) {
      this.flushAfterTurn();
      return;
    }
    this.arm();
  }

  /** Syncs everything written so far, after the sync under way if any. Never rejects. */
  flush(): Promise<void> {
    this.disarm();
    if (!this.queued) {
      this.queued = true;
      this.syncs = this.syncs.then(() => this.syncOnce());
    }
    return this.syncs;
  }

  /** Cancels the pending timer (the owner flushes before it closes). */
  stop(): void {
    this.disarm();
  }

  private async syncOnce(): Promise<void> {
    this.queued = false;
    const head = this.written;
    const count = this.unsynced;
    if (head === undefined || count === 0) return;
    this.unsynced = 0;
    try {
      await this.options.sync();
    } catch (error) {
      this.failed = true;
      this.unsynced += count;
      this.options.logger.error('Could not flush the audit log to the disk; its anchor in the vault stays at the last head known to be there.', {
        reason: error instanceof Error && 'code' in error ? String(error.code) : 'unknown',
      });
      this.arm();
      return;
    }
    if (!this.failed) this.options.durable(head);
  }

  private flushAfterTurn(): void {
    this.disarm();
    if (this.deferred) return;
    this.deferred = true;
    setImmediate(() => {
      this.deferred = false;
      void this.flush();
    });
  }

  private arm(): void {
    this.timer ??= this.options.scheduler.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.maxDelayMs);
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    this.options.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
