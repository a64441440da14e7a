/** The window's entry: pick the WalletClient (preload IPC or the headless host), build the store, render. */
import './zod-jitless.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { pickWalletClient } from './api/client.js';
import { App } from './app/App.js';
import { WalletStoreProvider } from './app/store-context.js';
import { applyTheme, localStoragePreferences } from './app/theme.js';
import { createWalletStore } from './store/index.js';
import './styles.css';


function storageOrUndefined(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

const preferences = localStoragePreferences(storageOrUndefined());
applyTheme(document.documentElement, preferences.loadTheme() ?? 'system');
const store = createWalletStore(pickWalletClient(), { preferences });

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <WalletStoreProvider store={store}>
      <App />
    </WalletStoreProvider>
  </StrictMode>,
);
