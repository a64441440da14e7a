/**
 * The window's one store, built from slices by a factory (a fresh store per window and per test).
 * It talks only to the WalletClient it is given.
 */
import { createStore } from 'zustand/vanilla';
import type { WalletClient } from '../../shared/api.js';
import { toUiError } from './errors.js';
import { reloadsFor } from './live.js';
import { createActivitySlice } from './slices/activity.js';
import { createAllowedSitesSlice } from './slices/allowed-sites.js';
import { createAgentsSlice } from './slices/agents.js';
import { createApprovalsSlice } from './slices/approvals.js';
import { createConnectionsSlice } from './slices/connections.js';
import { createEnterpriseSlice } from './slices/enterprise.js';
import { createIdentitiesSlice } from './slices/identities.js';
import { createPolicySlice } from './slices/policy.js';
import { createSettingsSlice } from './slices/settings.js';
import { createUiSlice } from './slices/ui.js';
import type { Notice, Preferences, SliceContext, ThemeChoice, WalletState, WalletStore } from './types.js';

export type * from './types.js';

/** Notices kept at once: the oldest go first. */
const MAX_NOTICES = 5;

export interface WalletStoreOptions {
  preferences?: Preferences;
}

/** Preferences that last as long as the store (tests, and windows without storage). */
export function memoryPreferences(initial?: ThemeChoice): Preferences {
  let theme = initial;
  return {
    loadTheme: () => theme,
    saveTheme: (next) => {
      theme = next;
    },
  };
}

export function createWalletStore(client: WalletClient, options: WalletStoreOptions = {}): WalletStore {
  let nextNoticeId = 1;
  let unsubscribe: (() => void) | undefined;

  return createStore<WalletState>()((set, get) => {
    const context: SliceContext = {
      client,
      set,
      get,
      report: (action, error) => {
        const shown = toUiError(error);
        const notice: Notice = { id: nextNoticeId++, action, ...shown };
        set({ notices: [...get().notices, notice].slice(-MAX_NOTICES) });
        return shown;
      },
      track: async (collection, load) => {
        // A re-read keeps showing what is there; only a first load (or a retry) shows "loading".
        if (get().loads[collection].state !== 'ready') set({ loads: { ...get().loads, [collection]: { state: 'loading' } } });
        try {
          await load();
          set({ loads: { ...get().loads, [collection]: { state: 'ready' } } });
        } catch (error) {
          set({ loads: { ...get().loads, [collection]: { state: 'error', error: toUiError(error) } } });
        }
      },
    };

    return {
      ...createUiSlice(context),
      ...createApprovalsSlice(context),
      ...createAgentsSlice(context),
      ...createIdentitiesSlice(context),
      ...createEnterpriseSlice(context),
      ...createPolicySlice(context),
      ...createConnectionsSlice(context),
      ...createAllowedSitesSlice(context),
      ...createActivitySlice(context),
      ...createSettingsSlice(context, options.preferences ?? memoryPreferences()),
      start: async () => {
        if (unsubscribe === undefined) {
          unsubscribe = client.subscribe((event) => {
            void Promise.all(reloadsFor(get(), event));
          });
        }
        const state = get();
        await Promise.all([
          state.loadApprovals(),
          state.loadAgents(),
          state.loadGrants(),
          state.loadSessions(),
          state.loadAgentClients(),
          state.loadConnections(),
          state.loadAllowedSites(),
          state.loadAudit(),
          state.verifyAudit(),
          state.loadStatus(),
          state.loadEnterprise(),
        ]);
      },
      stop: () => {
        unsubscribe?.();
        unsubscribe = undefined;
      },
    };
  });
}
