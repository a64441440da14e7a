/** Which screen is shown, the loading state of every collection, and failures to show. */
import type { Collection, LoadState, SliceContext, UiSlice } from '../types.js';

const COLLECTIONS: Collection[] = ['approvals', 'agents', 'sessions', 'grants', 'agentClients', 'connections', 'allowedSites', 'audit', 'verification', 'status', 'enterprise'];

export function createUiSlice({ set, get }: SliceContext): UiSlice {
  const loads = Object.fromEntries(COLLECTIONS.map((name) => [name, { state: 'idle' }])) as Record<Collection, LoadState>;
  return {
    screen: 'approvals',
    notices: [],
    loads,
    setScreen: (screen) => set({ screen }),
    dismissNotice: (id) => set({ notices: get().notices.filter((notice) => notice.id !== id) }),
  };
}
