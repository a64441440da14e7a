/** Hands the window's store to components; they read it only through selectors. */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { WalletState, WalletStore } from '../store/index.js';

const StoreContext = createContext<WalletStore | null>(null);

export function WalletStoreProvider({ store, children }: { store: WalletStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

function useWalletStore(): WalletStore {
  const store = useContext(StoreContext);
  if (store === null) throw new Error('WalletStoreProvider is missing');
  return store;
}

/** A selected slice of the state; re-renders only when it changes (by identity). */
export function useWallet<T>(selector: (state: WalletState) => T): T {
  return useStore(useWalletStore(), selector);
}

/** For selectors that build new arrays or objects: compared shallowly. */
export function useWalletShallow<T>(selector: (state: WalletState) => T): T {
  return useStore(useWalletStore(), useShallow(selector));
}
