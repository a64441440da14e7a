/**
 * The window's entry: guard the window (T20), pick the WalletClient (preload IPC, or the headless
 * host once this tab is signed in: T31), build the store, render; or the sign-in screen.
 */
import './zod-jitless.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { WalletClient } from '../shared/api.js';
import { desktopClient } from './api/client.js';
import { createHttpWalletClient } from './api/http-client.js';
import { sessionSlot, signIn, takeSignInToken, type SignedOutReason } from './api/owner-session.js';
import { App } from './app/App.js';
import { SignedOut } from './app/SignedOut.js';
import { WalletStoreProvider } from './app/store-context.js';
import { applyTheme, localStoragePreferences } from './app/theme.js';
import { guardWindow } from './app/window-guard.js';
import { createWalletStore } from './store/index.js';
import './styles.css';

// The sign-in link's token leaves the address bar before anything else happens.
const linkToken = takeSignInToken(window.location, window.history);
guardWindow(window);


function storageOrUndefined(which: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return window[which];
  } catch {
    return undefined;
  }
}

const preferences = localStoragePreferences(storageOrUndefined('localStorage'));
applyTheme(document.documentElement, preferences.loadTheme() ?? 'system');

const rootElement = document.getElementById('root');
if (rootElement === null) throw new Error('index.html has no #root');
const root = createRoot(rootElement);

function showWallet(client: WalletClient): void {
  const store = createWalletStore(client, { preferences });
  root.render(
    <StrictMode>
      <WalletStoreProvider store={store}>
        <App />
      </WalletStoreProvider>
    </StrictMode>,
  );
}

function showSignedOut(reason: SignedOutReason): void {
  root.render(
    <StrictMode>
      <SignedOut reason={reason} />
    </StrictMode>,
  );
}

async function start(): Promise<void> {
  const desktop = desktopClient();
  if (desktop !== undefined) return showWallet(desktop);
  const session = sessionSlot(storageOrUndefined('sessionStorage'));
  const outcome = await signIn({ token: linkToken, slot: session });
  if (!outcome.signedIn) return showSignedOut(outcome.reason);
  showWallet(createHttpWalletClient({ session, onSignedOut: () => showSignedOut('ended') }));
}

start().catch(() => showSignedOut('unreachable'));
