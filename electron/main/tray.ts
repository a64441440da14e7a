/**
 * The tray icon: how many approvals wait (tooltip, and the title on macOS), and a menu to open
 * the window, decide each pending approval from its submenu (site, warnings, message, then
 * Approve / Decline — on every platform, unlike notification buttons), or quit.
 */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { Approval } from '../../shared/agents.js';
import { trayMenuFor, type TrayEntry } from '../wallet/approvals/tray-menu.js';

export interface LatchkeyTray {
  showPending(pending: readonly Approval[]): void;
  destroy(): void;
}

export function pendingLabel(count: number): string {
  if (count === 0) return 'Latchkey: nothing waits for you';
  return `Latchkey: ${count} approval${count === 1 ? '' : 's'} waiting`;
}

export interface TrayOptions {
  icon: string;
  openWindow: () => void;
  /** The owner chose an action in an approval's submenu (goes to wallet.decideApproval). */
  decide: (id: string, decision: 'approve' | 'deny') => void;
  quit: () => void;
}

function submenuFor(entry: TrayEntry, options: TrayOptions): MenuItemConstructorOptions {
  return {
    label: entry.label,
    submenu: [
      ...entry.details.map((line) => ({ label: line, enabled: false })),
      { type: 'separator' },
      ...entry.actions.map((action) => ({ label: action.label, click: () => options.decide(entry.id, action.action) })),
      { label: 'Show in Latchkey…', click: () => options.openWindow() },
    ],
  };
}

export function createTray(options: TrayOptions): LatchkeyTray {
  const tray = new Tray(nativeImage.createFromPath(options.icon));
  tray.on('click', () => options.openWindow());

  function showPending(pending: readonly Approval[]): void {
    tray.setToolTip(pendingLabel(pending.length));
    tray.setTitle(pending.length === 0 ? '' : String(pending.length));
    const items = trayMenuFor(pending).map((entry) => submenuFor(entry, options));
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open Latchkey', click: () => options.openWindow() },
        { type: 'separator' },
        { label: pendingLabel(pending.length), enabled: false },
        ...items,
        { type: 'separator' },
        { label: 'Quit Latchkey', click: () => options.quit() },
      ]),
    );
  }

  showPending([]);
  return { showPending, destroy: () => tray.destroy() };
}
