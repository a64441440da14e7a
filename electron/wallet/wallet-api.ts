/**
 * The wallet as the CLI, the conformance adapter and (later) the hosts see it.
 * Implemented by `openWallet` in wallet.ts, the composition root.
 */
import type { AccessTokenResult, ConnectionSummary, ConnectProgress, DisconnectResult } from '../../shared/connections.js';
import type { AgentKind, AgentSummary, Approval, ApprovalStatus, AuditEvent, Grant, GrantRevocation, SessionSummary } from '../../shared/agents.js';
import type { AuditFilter, AuditVerification, BridgeStatus, CreateGrantInput, UpdateGrantInput, WalletEvent, AllowedSite } from '../../shared/api.js';

export interface ConnectOptions {
  onProgress?: (event: ConnectProgress) => void;
  signal?: AbortSignal;
  /** How long to wait for the browser step. Default 5 minutes. */
  timeoutMs?: number;
  /** Scopes to ask for, overriding the challenge / PRM selection (A6). */
  scopes?: string[];
  /** false: do not open the browser; the caller opens the `browser` progress URL with its own opener (the CLI talking to a daemon). Default true. */
  openBrowser?: boolean;
  /** The caller runs with --allow-insecure-loopback: refused (DaemonRefusesInsecureLoopback) unless this wallet allows it too. */
  allowInsecureLoopback?: boolean;
}

export interface AccessTokenOptions {
  /** Refresh if the cached token expires within this many seconds. Default 60. */
  minTtlSeconds?: number;
  signal?: AbortSignal;
}

export interface VaultStatus {
  mode: 'keychain' | 'passphrase' | 'memory';
  /** e.g. "Secret Service (keytar)". */
  backend: string;
  /** Set when secrets will not survive a restart or protection is weaker than usual. */
  warning?: string;
  path: string;
}

/** A client the user registered with an AS themselves (R1, R4). The secret lives in the vault. */
export interface PreRegisteredClient {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** Default: client_secret_basic with a secret, none without. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

export interface ClientSummary {
  issuer: string;
  clientId: string;
  registration: 'pre-registered' | 'cimd' | 'dcr';
  hasSecret: boolean;
}

export interface Wallet {
  readonly vaultStatus: VaultStatus;
  /** The agent bridge, when this wallet's host serves one (a daemon). */
  bridgeStatus?(): BridgeStatus;
  connect(url: string, options?: ConnectOptions): Promise<ConnectionSummary>;
  listConnections(): Promise<ConnectionSummary[]>;
  accessToken(url: string, options?: AccessTokenOptions): Promise<AccessTokenResult>;
  /**
   * Called with a 401/403 the resource returned for one of our tokens: 401 → refresh or re-auth
   * is needed; 403 insufficient_scope → step-up (re-authorize with the union of scopes, bounded).
   * Returns a fresh token to retry with, or throws a LatchkeyError.
   */
  handleAuthChallenge(url: string, status: number, wwwAuthenticate: string | null, options?: ConnectOptions): Promise<AccessTokenResult>;
  disconnect(url: string): Promise<DisconnectResult>;
  /** Pre-registered clients and the registrations Latchkey made, per issuer. */
  listClients(): Promise<ClientSummary[]>;
  setClient(client: PreRegisteredClient): Promise<void>;
  removeClient(issuer: string): Promise<boolean>;

  // Agents, sessions, grants, approvals and audit (issue 3). `agent` is an id or a name.
  listAgents(): Promise<AgentSummary[]>;
  enrolAgent(name: string, kind?: AgentKind): Promise<{ agent: AgentSummary; secret: string }>;
  removeAgent(agent: string): Promise<AgentSummary>;
  listSessions(filter?: { agent?: string; active?: boolean }): Promise<SessionSummary[]>;
  startSession(agent: string, options: { ttlSeconds: number; pid?: number; command?: string }): Promise<{ session: SessionSummary; secret: string }>;
  endSession(id: string, reason?: 'exited' | 'expired' | 'revoked'): Promise<void>;
  listGrants(filter?: { agent?: string }): Promise<Grant[]>;
  createGrant(input: CreateGrantInput): Promise<Grant>;
  updateGrant(input: UpdateGrantInput): Promise<Grant>;
  /** The next request under it is refused; says until when tokens already handed out stay valid at their server. */
  revokeGrant(id: string): Promise<GrantRevocation>;
  listApprovals(filter?: { status?: ApprovalStatus }): Promise<Approval[]>;
  decideApproval(id: string, decision: 'approve' | 'deny', options?: { remember?: boolean }): Promise<Approval>;
  /** Sites whose pages a server may open without asking ("always allow" on a URL elicitation). */
  listAllowedSites(filter?: { server?: string }): Promise<AllowedSite[]>;
  removeAllowedSite(server: string, site: string): Promise<boolean>;
  queryAudit(filter?: AuditFilter): Promise<AuditEvent[]>;
  verifyAudit(): Promise<AuditVerification>;
  /** Live events (approvals, audit entries, changes); returns the unsubscribe function. */
  subscribe(listener: (event: WalletEvent) => void): () => void;
  close(): Promise<void>;
}

/** Everything the composition root needs, resolved by the CLI from flags and environment. */
export interface WalletConfig {
  /** The data directory (LATCHKEY_HOME, default ~/.latchkey). */
  home: string;
  /** http:// for loopback issuers and resources (tests, local development). Off by default. */
  allowInsecureLoopback: boolean;
  vault: { mode: 'keychain' | 'passphrase' | 'memory'; passphrase?: string; lockWaitMs?: number };
  /** Hosts the user trusts even though they resolve to private addresses (SSRF allowlist). */
  allowedHosts?: string[];
  /** A Client ID Metadata Document URL the user hosts (CIMD, R2). Without it CIMD is skipped. */
  clientMetadataUrl?: string;
}
