/** Live events from the wallet: each one re-reads the collections it touched (reads coalesce). */
import type { WalletEvent } from '../../shared/api.js';
import type { WalletState } from './types.js';

/** Audit entries after which grants' and agents' "last used" may have moved. */
const USE_EVENTS = new Set(['token.issued', 'token.refused', 'token.refreshed']);

export function reloadsFor(state: WalletState, event: WalletEvent): Array<Promise<void>> {
  switch (event.type) {
    case 'approval.raised':
    case 'approval.decided':
      return [state.loadApprovals()];
    case 'audit.appended':
      return [
        state.loadAudit(),
        state.verifyAudit(),
        ...(USE_EVENTS.has(event.event.type) ? [state.loadGrants(), state.loadAgents()] : []),
        // A sign-in at the identity provider (here or from the CLI) changes where it stands.
        ...(event.event.type.startsWith('enterprise.') ? [state.loadEnterprise()] : []),
      ];
    case 'changed':
      switch (event.what) {
        case 'connections':
          return [state.loadConnections()];
        case 'agents':
          return [state.loadAgents(), state.loadSessions(), state.loadAgentClients()];
        case 'sessions':
          return [state.loadSessions()];
        case 'grants':
          return [state.loadGrants()];
        case 'allowed-sites':
          return [state.loadAllowedSites()];
        case 'clients':
          // The window lists agents' own clients (not the owner's registered ones) and the identity provider.
          return [state.loadAgentClients(), state.loadEnterprise()];
      }
  }
}
