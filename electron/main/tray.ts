/**
 * The tray icon: how many approvals wait (tooltip, and the title on macOS), and a menu to open
 * the window, see the pending approvals, or quit.
 */
import { Menu, Tray, nativeImage } from 'electron';
import type { Approval } from '../../shared/agents.js';

export interface LatchkeyTray {
  showPending(pending: readonly Approval[]): void;
  destroy(): void;
}

export function pendingLabel(count: number): string {
  if (count === 0) return 'Latchkey: nothing waits for you';
  return `Latchkey: ${count} approval${count === 1 ? '' : 's'} waiting`;
}

export function createTray(options: { icon: string; openWindow: () => void; quit: () => void }): LatchkeyTray {
  const tray = new Tray(nativeImage.createFromPath(options.icon));
  tray.on('click', () => options.openWindow());

  function showPending(pending: readonly Approval[]): void {
    tray.setToolTip(pendingLabel(pending.length));
    tray.setTitle(pending.length === 0 ? '' : String(pending.length));
    const items = pending.slice(0, 10).map((approval) => ({
      label: `${approval.agentName.slice(0, 40)}${approval.kind === 'enrolment' ? ' wants to enrol' : ` → ${(approval.resource ?? '').slice(0, 60)}`}`,
      click: () => options.openWindow(),
    }));
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
