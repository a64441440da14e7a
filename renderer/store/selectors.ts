/**
 * Reads of the store for components. Plain selectors return stored references (stable between
 * renders); the derived ones build new arrays, so read them with zustand's `useShallow`.
 */
import type { AgentSummary, AuditEvent, Grant, SessionSummary } from '../../shared/agents.js';
import type { AgentClientSummary, LoadState, WalletState } from './types.js';

export const selectApprovals = (s: WalletState) => s.approvals;
export const selectPendingCount = (s: WalletState): number => s.approvals.length;
export const selectAgents = (s: WalletState) => s.agents;
export const selectConnections = (s: WalletState) => s.connections;
export const selectAllowedSites = (s: WalletState) => s.allowedSites;
export const selectConnectFlow = (s: WalletState) => s.connectFlow;
export const selectAudit = (s: WalletState) => s.audit;
export const selectAuditView = (s: WalletState) => s.auditView;
export const selectVerification = (s: WalletState) => s.verification;
export const selectStatus = (s: WalletState) => s.status;
export const selectEnterprise = (s: WalletState) => s.enterprise;
export const selectTheme = (s: WalletState) => s.theme;
export const selectScreen = (s: WalletState) => s.screen;
export const selectNotices = (s: WalletState) => s.notices;

export const selectLoad =
  (collection: keyof WalletState['loads']) =>
  (s: WalletState): LoadState =>
    s.loads[collection];

export const selectGrantsOf =
  (agentId: string) =>
  (s: WalletState): Grant[] =>
    s.grants.filter((grant) => grant.agentId === agentId);

export const selectSessionsOf =
  (agentId: string) =>
  (s: WalletState): SessionSummary[] =>
    s.sessions.filter((session) => session.agentId === agentId);

export const selectAgentClientsOf =
  (agentId: string) =>
  (s: WalletState): AgentClientSummary[] =>
    s.agentClients.filter((client) => client.agentId === agentId);

export const selectAgentName =
  (agentId: string | undefined) =>
  (s: WalletState): string | undefined =>
    agentId === undefined ? undefined : s.agents.find((agent: AgentSummary) => agent.id === agentId)?.name;

/** The resource filter's choices: connections, grants and every resource seen in the log. */
export const selectResourceChoices = (s: WalletState): string[] =>
  [...new Set([...s.connections.map((c) => c.resource), ...s.grants.map((g) => g.resource), ...s.knownResources])].sort();

/** Session starts and ends: one pair per `latchkey run`, folded away unless asked for. */
export const isSessionEntry = (event: AuditEvent): boolean => event.type === 'session.started' || event.type === 'session.ended';

/** The audit entries the Activity table shows (session starts and ends only when asked for). */
export const selectShownAudit = (s: WalletState): AuditEvent[] => (s.auditView.showSessions === true ? s.audit : s.audit.filter((event) => !isSessionEntry(event)));

/** How many session starts and ends the table folds away. */
export const selectHiddenSessionCount = (s: WalletState): number => (s.auditView.showSessions === true ? 0 : s.audit.filter(isSessionEntry).length);

/** An audit entry's agent as a name: the one it recorded, else the enrolled agent's, else its id (removed agents). */
export function auditAgentLabel(event: AuditEvent, agents: readonly AgentSummary[]): string | undefined {
  if (event.agentName !== undefined) return event.agentName;
  if (event.agentId === undefined) return undefined;
  return agents.find((agent) => agent.id === event.agentId)?.name ?? event.agentId;
}
