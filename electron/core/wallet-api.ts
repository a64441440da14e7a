/**
 * The wallet as the CLI, the conformance adapter and (later) the hosts see it.
 * Implemented by `openWallet` in wallet.ts, the composition root.
 */
import type { AccessTokenResult, ConnectionSummary, ConnectProgress, DisconnectResult } from '../../shared/connections.js';

export interface ConnectOptions {
  onProgress?: (event: ConnectProgress) => void;
  signal?: AbortSignal;
  /** How long to wait for the browser step. Default 5 minutes. */
  timeoutMs?: number;
  /** Scopes to ask for, overriding the challenge / PRM selection (A6). */
  scopes?: string[];
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

export interface Wallet {
  readonly vaultStatus: VaultStatus;
  connect(url: string, options?: ConnectOptions): Promise<ConnectionSummary>;
  listConnections(): ConnectionSummary[];
  accessToken(url: string, options?: AccessTokenOptions): Promise<AccessTokenResult>;
  /**
   * Called with a 401/403 the resource returned for one of our tokens: 401 → refresh or re-auth
   * is needed; 403 insufficient_scope → step-up (re-authorize with the union of scopes, bounded).
   * Returns a fresh token to retry with, or throws a LatchkeyError.
   */
  handleAuthChallenge(url: string, status: number, wwwAuthenticate: string | null, options?: ConnectOptions): Promise<AccessTokenResult>;
  disconnect(url: string): Promise<DisconnectResult>;
  close(): Promise<void>;
}
