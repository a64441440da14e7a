/**
 * The window's state: one zustand store built from slices. Every collection is what the wallet
 * last said (re-read on live events); nothing here is secret.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { AgentSummary, Approval, AuditEvent, Grant, GrantRevocation, SessionSummary } from '../../shared/agents.js';
import type { AllowedSite, AuditVerification, ConnectParams, CreateGrantInput, EnterpriseStatus, OwnerParams, OwnerResult, UpdateGrantInput, WalletClient } from '../../shared/api.js';
import type { ConnectionSummary, ConnectProgress } from '../../shared/connections.js';
import type { PolicyFile, PolicyPlan } from '../../shared/policy.js';

/** An error as the window shows it: the stable code, the message, and what to do next. */
export interface UiError {
  code: string;
  message: string;
  hint?: string;
}

/** A failure the user should see until they dismiss it: which action failed and why. */
export interface Notice extends UiError {
  id: number;
  action: string;
}

export type LoadState = { state: 'idle' | 'loading' | 'ready' } | { state: 'error'; error: UiError };

export type Collection = 'approvals' | 'agents' | 'sessions' | 'grants' | 'agentClients' | 'connections' | 'allowedSites' | 'audit' | 'verification' | 'status' | 'enterprise';

export type VaultStatus = OwnerResult<'status'>;

export type Screen = 'approvals' | 'agents' | 'connections' | 'activity' | 'policy' | 'settings';

export type ThemeChoice = 'system' | 'light' | 'dark';

export interface AuditView {
  agentId?: string;
  resource?: string;
  outcome?: 'ok' | 'denied' | 'error';
  /** Show session.started / session.ended entries (folded away by default: one pair per `latchkey run`). */
  showSessions?: boolean;
}

/** A newly enrolled agent and its secret, shown once (kept by the dialog that asked, never in the store). */
export type EnrolledAgent = OwnerResult<'enrolAgent'>;

/** An agent's own client at a server's authorization server (never a secret or a private key). */
export type AgentClientSummary = OwnerResult<'listAgentClients'>[number];

/** What setting up an agent's own client gives back: the client, and the public JWK when a key was generated. */
export type AgentClientAdded = OwnerResult<'setAgentClient'>;

/** An autonomous agent set up in one step: the agent and its secret (shown once), its own client, its grant, the public JWK when a key was made. */
export type AutonomousAgentAdded = OwnerResult<'addAutonomousAgent'>;

/** The public keys of an agent's own clients (public members only), for the administrator. */
export type AgentPublicKeys = OwnerResult<'agentJwks'>;

/** An action whose failure the form that asked shows inline (no notice): its result, or the error as shown. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: UiError };

/** A policy file read and planned: the file as parsed and what applying it would change. */
export interface PlannedPolicy {
  policy: PolicyFile;
  plan: PolicyPlan;
}

/** The step a sign-in waits on the user in: the browser, a pasted address, or a device code. */
export type SignInStep = Extract<ConnectProgress, { step: 'browser' | 'paste' | 'device' }>;

export type ConnectFlow =
  | { phase: 'idle' }
  | { phase: 'running'; url: string; steps: ConnectProgress[]; authorizationUrl?: string; signIn?: SignInStep | undefined }
  | { phase: 'connected'; url: string; steps: ConnectProgress[]; connection: ConnectionSummary }
  /** `params`: what the failed connect asked for, to try again (e.g. registering again). */
  | { phase: 'failed'; url: string; steps: ConnectProgress[]; error: UiError; params?: ConnectParams };

export interface ApprovalsSlice {
  /** Pending approvals, oldest first. */
  approvals: Approval[];
  loadApprovals(): Promise<void>;
  /** Approve (once, or remember: a grant is created) or deny. Resolves true when decided. */
  decideApproval(id: string, decision: 'approve' | 'deny', remember?: boolean): Promise<boolean>;
}

export interface AgentsSlice {
  agents: AgentSummary[];
  grants: Grant[];
  /** Active sessions. */
  sessions: SessionSummary[];
  loadAgents(): Promise<void>;
  loadGrants(): Promise<void>;
  loadSessions(): Promise<void>;
  /** Enrols an agent; resolves with it and its secret (to show once), or undefined on failure (a notice says why). */
  enrolAgent(name: string, kind: AgentSummary['kind']): Promise<EnrolledAgent | undefined>;
  createGrant(input: CreateGrantInput): Promise<boolean>;
  updateGrant(input: UpdateGrantInput): Promise<boolean>;
  /** What became of the tokens already handed out; undefined when the revocation failed (a notice says why). */
  revokeGrant(id: string): Promise<GrantRevocation | undefined>;
  endSession(id: string): Promise<boolean>;
  removeAgent(id: string): Promise<boolean>;
}

export interface IdentitiesSlice {
  /** Every agent's own clients (R5), oldest first. */
  agentClients: AgentClientSummary[];
  loadAgentClients(): Promise<void>;
  /** Gives an agent its own client (a secret, or a key the wallet generates); the secret is passed on, never kept. */
  setAgentClient(params: OwnerParams<'setAgentClient'>): Promise<Outcome<AgentClientAdded>>;
  /** An autonomous agent, its own client and its grant in one step (the wallet undoes all of it when a step fails). */
  addAutonomousAgent(params: OwnerParams<'addAutonomousAgent'>): Promise<Outcome<AutonomousAgentAdded>>;
  /** The public keys of the agent's own client for a server, to show the administrator again. */
  agentJwks(agent: string, server: string): Promise<Outcome<AgentPublicKeys>>;
}

export interface EnterpriseSlice {
  /** The organisation's identity provider and the owner's sign-in there (never a token or secret); undefined before the first read. */
  enterprise: EnterpriseStatus | undefined;
  loadEnterprise(): Promise<void>;
  /** Names the identity provider (its metadata is checked now); a secret is passed on to the vault, never kept here. */
  setEnterprise(params: OwnerParams<'setEnterprise'>): Promise<Outcome<EnterpriseStatus>>;
  /** Signs the owner in at the identity provider in the browser the wallet opens; resolves when that sign-in ends. */
  signInEnterprise(timeoutMs?: number): Promise<Outcome<EnterpriseStatus>>;
  /** Forgets the identity provider and the sign-in there; false when none was set up. */
  forgetEnterprise(): Promise<Outcome<boolean>>;
}

export interface PolicySlice {
  /** The wallet's agents, grants and allowed sites as the policy file's text (never a secret). */
  exportPolicyText(): Promise<Outcome<string>>;
  /** Reads a policy file's text and asks the wallet what applying it would change. */
  planPolicyText(text: string): Promise<Outcome<PlannedPolicy>>;
  /** Applies the plan the owner confirmed (its digest); refused with policy.stale when the wallet's plan is no longer that one. */
  applyPolicy(planned: PlannedPolicy): Promise<Outcome<PolicyPlan>>;
}

export interface ConnectionsSlice {
  connections: ConnectionSummary[];
  connectFlow: ConnectFlow;
  loadConnections(): Promise<void>;
  /** Connect (or re-authorize: connect again) with live progress in `connectFlow`. */
  connect(params: ConnectParams): Promise<boolean>;
  /** Forget a finished flow (its result or error). */
  clearConnectFlow(): void;
  /** Cancels the connect in progress (the wallet stops waiting on its sign-in). */
  cancelConnect(): Promise<void>;
  /** Hands the wallet the address a browser elsewhere ended on; resolves with why it was refused, or undefined when taken. */
  deliverPastedSignIn(address: string): Promise<UiError | undefined>;
  /** Has the wallet open a page the running sign-in shows (the window never opens pages itself). */
  openSignInPage(url: string): Promise<void>;
  /** `account`: which of the owner's accounts on the server (T8); absent: its default or only one. */
  disconnect(url: string, account?: string): Promise<boolean>;
}

export interface AllowedSitesSlice {
  /** Sites each server may open pages on without asking, by server then site. */
  allowedSites: AllowedSite[];
  loadAllowedSites(): Promise<void>;
  /** The server asks again before opening pages on `site`. Resolves true when removed. */
  removeAllowedSite(server: string, site: string): Promise<boolean>;
}

export interface ActivitySlice {
  /** The newest audit entries matching `auditView`, oldest first. */
  audit: AuditEvent[];
  auditView: AuditView;
  /** Resources seen in audit entries so far (with connections and grants: the filter's choices). */
  knownResources: string[];
  verification: AuditVerification | undefined;
  loadAudit(): Promise<void>;
  setAuditView(view: AuditView): Promise<void>;
  verifyAudit(): Promise<void>;
  /** Every entry matching the current filter (no limit) as JSON Lines, or undefined on failure. */
  exportAudit(): Promise<string | undefined>;
}

export interface SettingsSlice {
  status: VaultStatus | undefined;
  theme: ThemeChoice;
  loadStatus(): Promise<void>;
  setTheme(theme: ThemeChoice): void;
}

export interface UiSlice {
  screen: Screen;
  notices: Notice[];
  loads: Record<Collection, LoadState>;
  setScreen(screen: Screen): void;
  dismissNotice(id: number): void;
}

export interface LifecycleSlice {
  /** Loads everything and follows live events. Idempotent. */
  start(): Promise<void>;
  /** Stops following live events. */
  stop(): void;
}

export type WalletState = ApprovalsSlice &
  AgentsSlice &
  IdentitiesSlice &
  EnterpriseSlice &
  PolicySlice &
  ConnectionsSlice &
  AllowedSitesSlice &
  ActivitySlice &
  SettingsSlice &
  UiSlice &
  LifecycleSlice;

export type WalletStore = StoreApi<WalletState>;

/** Where the theme choice is kept between runs (localStorage in the window; memory in tests). */
export interface Preferences {
  loadTheme(): ThemeChoice | undefined;
  saveTheme(theme: ThemeChoice): void;
}

/** What every slice is built with. */
export interface SliceContext {
  client: WalletClient;
  set: StoreApi<WalletState>['setState'];
  get: StoreApi<WalletState>['getState'];
  /** Records a failed action as a notice; returns the error as shown. */
  report(action: string, error: unknown): UiError;
  /** Runs a collection's load, keeping `loads[collection]` current; a failure is kept there. */
  track(collection: Collection, load: () => Promise<void>): Promise<void>;
}
