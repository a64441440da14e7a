/**
 * Ends the sessions whose `latchkey run` died without ending them (threat T36): a SIGKILL, a
 * crash, a closed terminal. Checked once at start (sessions persisted by a daemon that was
 * restarted) and then every interval; authentication checks too, so a dead runner's secret is
 * refused at once and this watch records why.
 */
import type { SessionSummary } from '../../../shared/agents.js';
import type { Logger } from '../../base/ports.js';
import { systemScheduler, type Scheduler, type TimerHandle } from '../../base/async/deferred-writes.js';

/** At most this long between a runner's death and its session ending (and being audited). */
export const RUNNER_CHECK_INTERVAL_MS = 1_000;

export interface RunnerWatchOptions {
  /** AgentRegistry.endSessionsOfExitedRunners. */
  endSessionsOfExitedRunners: () => Promise<SessionSummary[]>;
  /** Called for each session ended (the audit entry). */
  onEnded: (session: SessionSummary) => Promise<void>;
  logger: Logger;
  intervalMs?: number;
  scheduler?: Scheduler;
}

export interface RunnerWatch {
  /** Runs one check now (also what the timer does); resolves when it is done. */
  check(): Promise<void>;
  /** Stops the timer and waits for a check in progress. */
  stop(): Promise<void>;
}

export function watchSessionRunners(options: RunnerWatchOptions): RunnerWatch {
  const scheduler = options.scheduler ?? systemScheduler;
  const intervalMs = options.intervalMs ?? RUNNER_CHECK_INTERVAL_MS;
  let running: Promise<void> | undefined;
  let timer: TimerHandle | undefined;
  let stopped = false;

  const sweep = async (): Promise<void> => {
    try {
      for (const session of await options.endSessionsOfExitedRunners()) await options.onEnded(session);
    } catch (error) {
      options.logger.warn('could not end the sessions of exited runners', { reason: error instanceof Error ? error.name : 'unknown' });
    }
  };
  const check = (): Promise<void> => {
    running ??= sweep().finally(() => {
      running = undefined;
    });
    return running;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = scheduler.setTimeout(() => {
      void check().finally(schedule);
    }, intervalMs);
  };

  void check().finally(schedule);
  return {
    check,
    async stop() {
      stopped = true;
      if (timer !== undefined) scheduler.clearTimeout(timer);
      await running;
    },
  };
}
