/**
 * Timers as a port, and a small batcher for writes that may lag (last-seen and last-used times):
 * many updates per second become at most one vault write per interval, flushed on close.
 */
import type { Logger } from '../ports.js';

export type TimerHandle = unknown;

/** setTimeout/clearTimeout behind a port, so tests drive time without sleeping. */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The global timers, looked up at call time (vitest fake timers apply); never keep the process alive. */
export const systemScheduler: Scheduler = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    if (typeof handle === 'object' && handle !== null && 'unref' in handle) handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface DeferredWritesOptions<V> {
  /** Writes one batch (one vault update). Keys that no longer exist are skipped by the writer. */
  write: (batch: ReadonlyMap<string, V>) => Promise<void>;
  intervalMs: number;
  scheduler: Scheduler;
  logger: Logger;
  /** What the log line says failed, e.g. "last-seen times". */
  what: string;
}

/** Keeps the newest value per key and writes them all at most once per interval. */
export class DeferredWrites<V> {
  private pending = new Map<string, V>();
  private writing = new Map<string, V>();
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly options: DeferredWritesOptions<V>) {}

  set(key: string, value: V): void {
    this.pending.set(key, value);
    if (this.timer !== undefined) return;
    this.timer = this.options.scheduler.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.intervalMs);
  }

  /** The newest value not yet in the vault, if any. */
  peek(key: string): V | undefined {
    return this.pending.get(key) ?? this.writing.get(key);
  }

  forget(key: string): void {
    this.pending.delete(key);
  }

  /** Writes whatever is pending now. Never rejects: a failed batch is logged and dropped. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      this.options.scheduler.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.inFlight = this.inFlight.then(async () => {
      if (this.pending.size === 0) return;
      this.writing = this.pending;
      this.pending = new Map();
      try {
        await this.options.write(this.writing);
      } catch (error) {
        this.options.logger.warn(`Could not save ${this.options.what}.`, {
          reason: error instanceof Error && 'code' in error ? String(error.code) : 'unknown',
        });
      } finally {
        this.writing = new Map();
      }
    });
    return this.inFlight;
  }
}
