/**
 * The Notifier port over Electron's Notification: the wallet decides what a notice says and what
 * its buttons do (electron/wallet/approvals/approval-notices.ts); this only shows it. Buttons where the
 * platform has notification actions (macOS); a click anywhere else opens the window.
 */
import { Notification } from 'electron';
import type { Logger, Notice, NoticeAction, Notifier } from '../base/ports.js';

export interface DesktopNotifierOptions {
  openWindow: () => void;
  logger: Logger;
  platform: NodeJS.Platform;
}

export function createDesktopNotifier(options: DesktopNotifierOptions): Notifier {
  const shown = new Map<string, Notification>();
  const withActions = options.platform === 'darwin';
  const withSubtitle = options.platform === 'darwin';

  return {
    show(notice: Notice, onAction: (action: NoticeAction) => void) {
      if (!Notification.isSupported()) return;
      const emphasis = notice.emphasis === undefined ? undefined : `Site: ${notice.emphasis}`;
      const notification = new Notification({
        title: notice.title,
        ...(emphasis !== undefined && withSubtitle ? { subtitle: emphasis } : {}),
        body: emphasis !== undefined && !withSubtitle ? `${emphasis}\n${notice.body}` : notice.body,
        silent: false,
        ...(withActions ? { actions: notice.actions.map((a) => ({ type: 'button' as const, text: a.label })), closeButtonText: 'Later' } : {}),
      });
      notification.on('action', (details) => {
        const chosen = notice.actions[details.actionIndex];
        if (chosen !== undefined) onAction(chosen.action);
      });
      notification.on('click', () => {
        options.openWindow();
        onAction('open');
      });
      notification.on('close', () => {
        if (shown.get(notice.id) === notification) shown.delete(notice.id);
      });
      notification.on('failed', (_event, error) => options.logger.warn('a notification failed', { approval: notice.id, reason: error.slice(0, 120) }));
      shown.get(notice.id)?.close();
      shown.set(notice.id, notification);
      notification.show();
    },
    dismiss(id: string) {
      const notification = shown.get(id);
      shown.delete(id);
      notification?.close();
    },
  };
}
