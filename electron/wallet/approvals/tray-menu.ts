/**
 * The tray menu's model of the pending approvals (the tray path of E9 on every platform: desktop
 * notifications have buttons only on macOS, the tray menu has them everywhere). Each approval is
 * one entry whose submenu shows the notice's facts — the page's site first — and its actions.
 * Pure: electron/main/tray.ts turns it into an Electron Menu; decisions go to the wallet.
 */
import type { Approval } from '../../../shared/agents.js';
import type { Notice } from '../../base/ports.js';
import { noticeFor } from './approval-notices.js';

export interface TrayEntry {
  /** The approval id the actions decide. */
  id: string;
  /** The menu item: who asks what (clipped). */
  label: string;
  /** Disabled lines in the submenu: the site, then the notice's body lines. */
  details: string[];
  actions: Notice['actions'];
}

/** Most approvals listed in the menu; the window shows all of them. */
export const MAX_TRAY_ENTRIES = 10;
const MAX_LINE = 90;

export function trayMenuFor(pending: readonly Approval[]): TrayEntry[] {
  return pending
    .filter((approval) => approval.status === 'pending')
    .slice(0, MAX_TRAY_ENTRIES)
    .map((approval) => {
      const notice = noticeFor(approval);
      const details = [
        ...(notice.emphasis === undefined ? [] : [`Site: ${notice.emphasis}`]),
        ...notice.body.split('\n').filter((line) => line !== ''),
      ].map((line) => oneLine(line));
      return { id: approval.id, label: oneLine(notice.title), details, actions: notice.actions };
    });
}

/** Menu labels are single lines; `&` would become a mnemonic on Windows and Linux. */
function oneLine(text: string): string {
  const flat = text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').replace(/&/g, '&&');
  return flat.length > MAX_LINE ? `${flat.slice(0, MAX_LINE - 1)}…` : flat;
}
