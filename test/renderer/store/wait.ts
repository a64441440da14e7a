/** Waits on the store's own change notifications (never on time) until a predicate holds. */
import type { WalletState, WalletStore } from '../../../renderer/store/index.js';

export function waitForState(store: WalletStore, predicate: (state: WalletState) => boolean): Promise<WalletState> {
  return new Promise((resolve) => {
    if (predicate(store.getState())) return resolve(store.getState());
    const unsubscribe = store.subscribe((state) => {
      if (!predicate(state)) return;
      unsubscribe();
      resolve(state);
    });
  });
}
