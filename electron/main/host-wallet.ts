/**
 * The wallet as the desktop app sees it: the host's, over the owner socket. Every call is one
 * owner request (owner-client.ts), live events come from the host's event stream
 * (owner-event-client.ts), and the approvals the notices follow are read from those events.
 */
import type { WalletEvent } from '../../shared/api.js';
import type { Unsubscribe } from '../base/async/typed-events.js';
import type { Logger } from '../base/ports.js';
import type { NoticeApprovals } from '../wallet/approvals/approval-notices.js';
import { openRemoteWallet, type OwnerEndpoint, type RemoteCaller } from '../wallet/host/owner-client.js';
import { subscribeOwnerEvents } from '../wallet/host/owner-event-client.js';
import type { Wallet } from '../wallet/wallet-api.js';

export interface HostWallet {
  wallet: Wallet;
  /** Ends the event stream. */
  close(): void;
}

/** Opens the host's wallet with a live event stream; `onHostGone` when the host closes the stream. */
export async function openHostWallet(endpoint: OwnerEndpoint, caller: RemoteCaller, onHostGone: () => void): Promise<HostWallet> {
  const remote = await openRemoteWallet(endpoint, caller);
  const listeners = new Set<(event: WalletEvent) => void>();
  const stream = subscribeOwnerEvents(
    endpoint,
    (event) => {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // one failing listener never stops the others
        }
      }
    },
    onHostGone,
  );
  await stream.ready;
  const subscribe = (listener: (event: WalletEvent) => void): Unsubscribe => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  return { wallet: { ...remote, subscribe }, close: () => stream.close() };
}

/** The approvals the notices follow, read from the wallet's events; a decision goes to the host. */
export function approvalsOf(wallet: Wallet, logger: Logger, onFailure: () => void): NoticeApprovals {
  return {
    on(event, listener) {
      const wanted = event === 'raised' ? 'approval.raised' : 'approval.decided';
      return wallet.subscribe((walletEvent) => {
        if ((walletEvent.type === 'approval.raised' || walletEvent.type === 'approval.decided') && walletEvent.type === wanted) listener(walletEvent.approval);
      });
    },
    decide(id, verdict) {
      wallet.decideApproval({ id, decision: verdict }).catch((error: unknown) => {
        logger.warn('deciding from a notification failed', { approval: id, reason: error instanceof Error ? error.name : 'unknown' });
        onFailure();
      });
    },
  };
}
