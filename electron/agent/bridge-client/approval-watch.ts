/**
 * While a bridge request waits (a token that needs the owner's approval, a page handed over), the
 * client asks GET /v1/approvals/pending now and then and reports the agent's own pending
 * approvals when they change, so the agent can say what it waits for instead of sitting silent.
 * One poll loop per client however many requests wait; it stops when the last one settles.
 */
import type { PendingApproval } from '../../../shared/bridge.js';
import { ErrorCode, isLatchkeyError } from '../../../shared/errors.js';

/** Called with the pending approvals each time their set changes (never twice for the same set). */
export type WaitingListener = (approvals: readonly PendingApproval[]) => void;

export interface ApprovalWatchOptions {
  /** Asks the bridge for the caller's pending approvals. */
  list: () => Promise<PendingApproval[]>;
  onChange: WaitingListener;
  /** Before the first look (a request answered at once never polls). Default 300 ms. */
  firstDelayMs?: number;
  /** Between looks. Default 1 s (one request a second, far under the bridge's rate limit). */
  intervalMs?: number;
}

export class ApprovalWatch {
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastKey = '';
  /** A bridge without the route (an older daemon): stop asking. */
  private unsupported = false;
  private stopped = false;
  /** A look is under way (at most one at a time). */
  private looking = false;

  constructor(private readonly options: ApprovalWatchOptions) {}

  /** Watches while `work` runs. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight += 1;
    if (this.inFlight === 1) this.schedule(this.options.firstDelayMs ?? 300);
    return work.finally(() => {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.pause();
    });
  }

  /** Stops for good (the client closes). */
  stop(): void {
    this.stopped = true;
    this.pause();
  }

  private pause(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastKey = '';
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.unsupported || this.looking || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.look();
    }, delayMs);
    this.timer.unref();
  }

  private async look(): Promise<void> {
    this.looking = true;
    let approvals: PendingApproval[] | undefined;
    try {
      approvals = await this.options.list();
    } catch (error) {
      if (isLatchkeyError(error, ErrorCode.NotFound)) this.unsupported = true;
    } finally {
      this.looking = false;
    }
    if (this.inFlight === 0 || this.stopped) return;
    if (approvals !== undefined) this.report(approvals);
    this.schedule(this.options.intervalMs ?? 1000);
  }

  private report(approvals: PendingApproval[]): void {
    const key = approvals
      .map((approval) => approval.id)
      .sort()
      .join(' ');
    if (key === this.lastKey) return;
    this.lastKey = key;
    try {
      this.options.onChange(approvals);
    } catch {
      // A failing listener never breaks the request it watches.
    }
  }
}
