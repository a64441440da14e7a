/** A Scheduler the test drives by hand: nothing runs until `runDue`/`advance`. */
import type { Scheduler, TimerHandle } from '../../../../electron/base/async/deferred-writes.js';

interface Entry {
  at: number;
  callback: () => void;
}

export class ManualScheduler implements Scheduler {
  now = 0;
  private next = 1;
  private readonly timers = new Map<number, Entry>();

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = this.next++;
    this.timers.set(handle, { at: this.now + ms, callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward and runs every timer that became due, in order. */
  advance(ms: number): void {
    this.now += ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, e]) => e.at <= this.now).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) return;
      this.timers.delete(due[0]);
      due[1].callback();
    }
  }
}

/** A clock tied to the scheduler's time plus a base epoch. */
export function clockOf(scheduler: ManualScheduler, base = 1_700_000_000_000): { now(): number } {
  return { now: () => base + scheduler.now };
}
