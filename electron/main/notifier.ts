/**
 * A desktop notification for each new approval. Approve/Deny buttons where the platform has
 * notification actions (macOS); a click anywhere else opens the window. Decisions go through
 * the wallet's `decideApproval`, like every other decision.
 */
import { Notification } from 'electron';
import type { Approval } from '../../shared/agents.js';
import type { Logger } from '../core/ports.js';
import type { Wallet } from '../core/wallet-api.js';

export interface ApprovalNotifier {
  notify(approval: Approval): void;
  /** Removes the notification of a decided or expired approval. */
  dismiss(id: string): void;
}

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function describe(approval: Approval): { title: string; body: string } {
  const who = clip(approval.agentName, 64);
  if (approval.kind === 'enrolment') return { title: 'A program asks to enrol', body: `"${who}" wants to become an agent.` };
  const scopes = approval.scopes === undefined || approval.scopes.length === 0 ? 'its default scopes' : clip(approval.scopes.join(' '), 120);
  return { title: `${who} asks for access`, body: `${clip(approval.resource ?? 'a server', 160)} (${scopes})` };
}

export function createApprovalNotifier(options: { wallet: () => Wallet | undefined; openWindow: () => void; logger: Logger; platform: NodeJS.Platform }): ApprovalNotifier {
  const shown = new Map<string, Notification>();
  const withActions = options.platform === 'darwin';

  function decide(id: string, decision: 'approve' | 'deny'): void {
    const wallet = options.wallet();
    if (wallet === undefined) return;
    wallet.decideApproval(id, decision).catch((error: unknown) => {
      options.logger.warn('deciding from a notification failed', { approval: id, reason: error instanceof Error ? error.message : 'unknown' });
      options.openWindow();
    });
  }

  return {
    notify(approval) {
      if (!Notification.isSupported()) return;
      const notification = new Notification({
        ...describe(approval),
        silent: false,
        ...(withActions ? { actions: [{ type: 'button', text: 'Approve' }, { type: 'button', text: 'Deny' }], closeButtonText: 'Later' } : {}),
      });
      notification.on('action', (event) => decide(approval.id, event.actionIndex === 0 ? 'approve' : 'deny'));
      notification.on('click', () => options.openWindow());
      notification.on('close', () => shown.delete(approval.id));
      shown.set(approval.id, notification);
      notification.show();
    },
    dismiss(id) {
      shown.get(id)?.close();
      shown.delete(id);
    },
  };
}
