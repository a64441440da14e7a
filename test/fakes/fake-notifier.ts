/**
 * A Notifier for tests: records every notice shown and dismissed, lets a test press a notice's
 * buttons (as the owner would in the tray) and wait for the next notice without sleeping.
 */
import type { Notice, NoticeAction, Notifier } from '../../electron/base/ports.js';

export class FakeNotifier implements Notifier {
  readonly shown: Notice[] = [];
  readonly dismissed: string[] = [];
  private readonly handlers = new Map<string, (action: NoticeAction) => void>();
  private readonly everShown = new Map<string, (action: NoticeAction) => void>();
  private readonly waiters: Array<(notice: Notice) => void> = [];
  private taken = 0;

  show(notice: Notice, onAction: (action: NoticeAction) => void): void {
    this.shown.push(notice);
    this.handlers.set(notice.id, onAction);
    this.everShown.set(notice.id, onAction);
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.taken += 1;
      waiter(notice);
    }
  }

  dismiss(id: string): void {
    this.dismissed.push(id);
    this.handlers.delete(id);
  }

  /** Notices shown and not dismissed yet. */
  get open(): Notice[] {
    return this.shown.filter((notice) => this.handlers.has(notice.id));
  }

  /** The next notice not returned by an earlier call: one already shown, or the next one to be. */
  next(): Promise<Notice> {
    const ready = this.shown[this.taken];
    if (ready !== undefined) {
      this.taken += 1;
      return Promise.resolve(ready);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The onAction a notice was shown with, also after its dismissal (a press that races a decision). */
  handlerOf(id: string): ((action: NoticeAction) => void) | undefined {
    return this.everShown.get(id);
  }

  /** Presses a button of (or clicks) a notice that is still shown. */
  press(id: string, action: NoticeAction): void {
    const handler = this.handlers.get(id);
    if (handler === undefined) throw new Error(`no notice ${id} is shown`);
    handler(action);
  }
}
